/**
 * `coffer/server`: HTTP surfaces for applications and, later, Coffer's own server. For now the
 * ready-made secrets health and refresh endpoints for node:http, Express and Fastify.
 */
export { secretsHealthHandler, secretsHealthPlugin, publicHealth, answer, type SecretsHealthOptions, type HealthSource, type FastifyLike } from './secrets-health.js';
