import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CHECK_IDS, COMPLIANCE_REQUIREMENTS, complianceNotes, groupByCompliance } from '../../../src/core/validation/index.js';
import { secret, validate } from './_helpers.js';
import { randomValue } from './_random.js';

const good = () => [
  secret('JWT_SECRET', randomValue('base64url', 86), 'jwt'),
  secret('DB_PASSWORD', randomValue('alphanumeric+symbols', 32, ['lower', 'upper', 'digit', 'symbol']), 'database'),
  secret('SESSION_SECRET', randomValue('base64url', 86), 'session'),
  secret('ENCRYPTION_KEY', randomValue('hex', 64), 'encryption'),
];

test('every framework of the catalog gets groups; a compliant environment passes them all', () => {
  const secrets = good();
  const report = validate(secrets, 'production', { file: { path: '.env', mode: 0o600 }, otherEnvironments: [] });
  const groups = groupByCompliance(report, secrets);
  assert.deepEqual([...new Set(groups.map((g) => g.framework))].sort(), ['HIPAA', 'NIST SP 800-63B', 'OWASP', 'PCI-DSS', 'SOC 2']);
  for (const g of groups) {
    assert.equal(g.status, 'pass', `${g.framework} ${g.requirement}`);
    assert.ok(g.results.length > 0);
    assert.deepEqual(Object.keys(g).sort(), ['framework', 'requirement', 'results', 'status', 'title']);
  }
  const soc2 = groups.find((g) => g.requirement === 'CC6.1');
  assert.equal(soc2?.results.length, report.results.length, 'every category lists SOC 2');
});

test('a requirement collects only the results of the secrets and checks it concerns', () => {
  const secrets = good();
  const report = validate(secrets, 'production', { file: { path: '.env', mode: 0o600 } });
  const groups = groupByCompliance(report, secrets);
  const byId = (id: string) => groups.find((g) => g.requirement === id);
  assert.deepEqual(new Set(byId('8.3.6')?.results.map((r) => r.secret)), new Set(['DB_PASSWORD']));
  assert.deepEqual(new Set(byId('8.3.6')?.results.map((r) => r.check)), new Set(['length', 'classes', 'strength']));
  assert.deepEqual(new Set(byId('3.7.1')?.results.map((r) => r.secret)), new Set(['ENCRYPTION_KEY']));
  assert.deepEqual(byId('3.6.1')?.results.map((r) => r.check).sort(), ['permissions', 'unique-name']);
  assert.deepEqual(new Set(byId('ASVS V3.2.2')?.results.map((r) => r.secret)), new Set(['SESSION_SECRET']));
  assert.deepEqual(new Set(byId('5.1.1.2')?.results.map((r) => r.secret)), new Set(['JWT_SECRET', 'DB_PASSWORD']));
  assert.equal(byId('164.312(d)'), undefined, 'no catalog category pairs HIPAA with authentication secrets');
  assert.equal(byId('8.3.9'), undefined, 'no rotation metadata, no rotation results');
  assert.equal(byId('6.5.3'), undefined, 'no other environments given');
});

test('a group fails when any of its results fails and warns when any warns', () => {
  const secrets = [
    secret('DB_PASSWORD', 'changeme', 'database'),
    secret('ENCRYPTION_KEY', randomValue('hex', 64), 'encryption', { metadata: { rotateBy: '2025-06-10T00:00:00Z' } }),
  ];
  const groups = groupByCompliance(validate(secrets), secrets);
  assert.equal(groups.find((g) => g.requirement === '2.2.2')?.status, 'fail');
  assert.equal(groups.find((g) => g.requirement === '3.7.4')?.status, 'warn');
  assert.equal(groups.find((g) => g.requirement === '3.7.1')?.status, 'pass');
  assert.equal(groups.find((g) => g.requirement === 'CC6.1')?.status, 'fail');
});

test('results not about one secret (the file) count wherever a secret applies', () => {
  const secrets = [secret('ENCRYPTION_KEY', randomValue('hex', 64), 'encryption')];
  const groups = groupByCompliance(validate(secrets, 'production', { file: { path: '.env', mode: 0o644 } }), secrets);
  for (const id of ['CC6.1', '3.6.1', '164.312(a)(1)']) assert.equal(groups.find((g) => g.requirement === id)?.status, 'fail', id);
  assert.equal(groups.some((g) => g.requirement === 'ASVS V2.10.4'), false, 'no OWASP category among the secrets');
});

test('requirements validation cannot verify are notes, not groups', () => {
  assert.deepEqual(complianceNotes([secret('DB_PASSWORD', 'x', 'database')]).map((n) => `${n.framework} ${n.requirement}`), ['PCI-DSS 8.3.7']);
  assert.deepEqual(complianceNotes([secret('JWT_SECRET', 'x', 'jwt')]), []);
  const secrets = [secret('DB_PASSWORD', randomValue('alphanumeric+symbols', 32, ['lower', 'upper', 'digit', 'symbol']), 'database')];
  assert.equal(groupByCompliance(validate(secrets), secrets).some((g) => g.requirement === '8.3.7'), false);
});

test('with version history, PCI-DSS 8.3.7 is a checked group instead of a note', () => {
  const secrets = [secret('DB_PASSWORD', randomValue('alphanumeric+symbols', 32, ['lower', 'upper', 'digit', 'symbol']), 'database', { history: { reusesPrevious: true, depth: 4 } })];
  const report = validate(secrets);
  assert.deepEqual(complianceNotes(secrets, report), []);
  const group = groupByCompliance(report, secrets).find((g) => g.requirement === '8.3.7');
  assert.equal(group?.status, 'fail');
});

test('docs/checks.md documents every check and every mapped requirement', () => {
  const doc = readFileSync('docs/checks.md', 'utf8');
  for (const check of CHECK_IDS) assert.match(doc, new RegExp(`^### \`${check}\``, 'm'), check);
  for (const r of COMPLIANCE_REQUIREMENTS) {
    const row = doc.split('\n').find((line) => line.startsWith(`| ${r.framework} | ${r.requirement} |`));
    assert.ok(row, `${r.framework} ${r.requirement} has a row`);
    for (const check of r.checks) assert.ok(row.includes(`\`${check}\``), `${r.requirement} lists ${check}`);
  }
});
