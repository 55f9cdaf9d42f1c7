/**
 * `coffer rotate` end to end with the built binary against private redis-server instances:
 * REDIS_PASSWORD (a bare password) rotated by the redis rotator for an ACL user, the admin named
 * by `${env:REDIS_ADMIN_URL}`, and for a server without ACL that has one password (requirepass,
 * the rotated credential acting as admin through a URL), through the shared end-to-end cases: a
 * rotation that logs in, a kill -9 after every step followed by a recovering run, and two
 * rotations at once.
 */
import { after, before } from 'node:test';
import { redisMissing, startRedis, type RedisServer } from '../_servers.js';
import { createRedisUser, freshRedisPassword, redisLogsIn } from '../rotation/_redis.js';
import { describeServerRotation } from './_server-rotation.js';

const skip = redisMissing();
const ADMIN = { user: 'admin', password: freshRedisPassword() };
let acl: RedisServer;
const servers: RedisServer[] = [];
before(async () => {
  if (!skip) acl = await startRedis({ acl: `user default off\nuser ${ADMIN.user} on >${ADMIN.password} ~* &* +@all\n` });
});
after(async () => {
  await acl?.stop();
  for (const server of servers) await server.stop();
});

describeServerRotation('redis, an ACL user (REDIS_PASSWORD holds a bare password)', async () => {
  const password = freshRedisPassword();
  const user = await createRedisUser(acl.port, ADMIN, password);
  return {
    name: 'REDIS_PASSWORD', overlapping: true, initial: password,
    env: { REDIS_ADMIN_URL: acl.url(ADMIN.user, ADMIN.password) }, secrets: [ADMIN.password],
    rotation: { rotator: 'redis', options: { user, admin: '${env:REDIS_ADMIN_URL}' } },
    logsIn: (value: string) => redisLogsIn(acl.port, user, value),
  };
}, { skip });

describeServerRotation('redis without ACL, requirepass (REDIS_PASSWORD holds a URL)', async () => {
  const password = freshRedisPassword();
  const server = await startRedis({ config: `rename-command ACL ""\nrequirepass ${password}\n` });
  servers.push(server);
  return {
    name: 'REDIS_PASSWORD', overlapping: false, initial: server.url(undefined, password), env: {}, secrets: [],
    rotation: { rotator: 'redis' },
    logsIn: (value: string) => redisLogsIn(server.port, undefined, decodeURIComponent(new URL(value).password)),
  };
}, { skip });
