/**
 * ESLint rule `coffer/layers`: enforces the dependency direction of DESIGN.md.
 *
 * Each directory under src/ is a layer; a relative import from one layer into another is allowed
 * only when the table below lists it. core additionally may not import Node built-ins, because it
 * is the pure domain (no I/O). The table is the single statement of the architecture in code;
 * change it together with DESIGN.md.
 */
import path from 'node:path';

/** Which layers each layer may import (besides itself). */
export const ALLOWED = {
  core: [],
  io: ['core'],
  config: ['core', 'io'],
  providers: ['core', 'io', 'config', 'store', 'audit'],
  store: ['core', 'io', 'audit'],
  audit: ['core', 'io'],
  project: ['core', 'io', 'config', 'providers', 'store', 'audit'],
  client: ['core', 'io', 'config', 'providers', 'store', 'audit'],
  rotation: ['core', 'io', 'config', 'providers', 'store', 'audit', 'client', 'project'],
  deploy: ['core', 'io', 'config'],
  server: ['core', 'io', 'config', 'providers', 'store', 'audit', 'project', 'client', 'rotation', 'deploy'],
  cli: ['core', 'io', 'config', 'providers', 'store', 'audit', 'project', 'client', 'rotation', 'deploy'],
  '(root)': ['core', 'io', 'config', 'providers', 'store', 'audit', 'project', 'client', 'rotation', 'deploy', 'server'],
};

const layerOf = (file, srcRoot) => {
  const rel = path.relative(srcRoot, file);
  if (rel.startsWith('..')) return undefined;
  const parts = rel.split(path.sep);
  return parts.length === 1 ? '(root)' : parts[0];
};

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layer dependency direction of DESIGN.md' },
    messages: {
      forbidden: "Layer '{{from}}' may not import layer '{{to}}' (DESIGN.md dependency direction).",
      builtin: "core is pure domain: it may not import the Node built-in '{{name}}'.",
    },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const srcRoot = path.resolve(context.cwd, 'src');
    const from = layerOf(file, srcRoot);
    if (!from) return {};
    const check = (node) => {
      const source = node.source && node.source.value;
      if (typeof source !== 'string') return;
      if (from === 'core' && (source.startsWith('node:') || ['fs', 'path', 'os', 'crypto', 'child_process'].includes(source))) {
        context.report({ node, messageId: 'builtin', data: { name: source } });
        return;
      }
      if (!source.startsWith('.')) return;
      const target = layerOf(path.resolve(path.dirname(file), source), srcRoot);
      if (!target || target === from) return;
      if (!ALLOWED[from].includes(target)) {
        context.report({ node, messageId: 'forbidden', data: { from, to: target } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { layers: rule } };
