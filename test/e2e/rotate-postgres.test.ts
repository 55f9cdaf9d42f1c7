/**
 * `coffer rotate` end to end with the built binary against a private PostgreSQL
 * (scram-sha-256): DB_PASSWORD rotated by the postgres rotator with alternating roles (a URL
 * whose user changes) and with a single role (a bare password, the server named by the admin
 * URL), through the shared end-to-end cases: a rotation that logs in, a kill -9 after every step
 * followed by a recovering run, and two rotations at once.
 */
import { after, before } from 'node:test';
import { postgresMissing, startPostgres, type PostgresServer } from '../_servers.js';
import { createRoles, freshPassword, logsIn } from '../rotation/_pg.js';
import { describeServerRotation } from './_server-rotation.js';

const skip = postgresMissing();
let server: PostgresServer;
before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => server?.stop());

const admin = () => ({ env: { PG_ADMIN_URL: server.url() }, secrets: [server.password] });

describeServerRotation('postgres, alternating roles (DB_PASSWORD holds a URL)', async () => {
  const password = freshPassword();
  const roles = await createRoles(server, password);
  return {
    name: 'DB_PASSWORD', overlapping: true, initial: server.url(roles[0], password), ...admin(),
    rotation: { rotator: 'postgres', options: { strategy: 'alternating', roles, admin: '${env:PG_ADMIN_URL}' } },
    logsIn,
  };
}, { skip });

describeServerRotation('postgres, a single role (DB_PASSWORD holds a bare password)', async () => {
  const password = freshPassword();
  const [role] = (await createRoles(server, password, 1)) as [string];
  return {
    name: 'DB_PASSWORD', overlapping: false, initial: password, ...admin(),
    rotation: { rotator: 'postgres', options: { roles: [role], admin: '${env:PG_ADMIN_URL}' } },
    logsIn: (value: string) => logsIn(server.url(role, value)),
  };
}, { skip });
