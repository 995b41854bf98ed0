/**
 * A poll whose caller is known without a statement (the task routes' hook asking
 * auth.authorizeKnown first) is the poll the full path gives: the same body, a change committed by
 * another connection seen on the very next poll, and another endpoint's caller still refused.
 */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAdmin } from '../../src/admin/index.ts';
import { pollTask, startTestServer, type TestServer } from '../support/index.ts';

let server: TestServer;
let taskId: string;
let bothKey: string;
let otherEndpoint: string;

beforeAll(async () => {
  server = await startTestServer();
  const { admin, close } = await openAdmin(server.config);
  otherEndpoint = (await admin.createEndpoint({ engine: 'test' })).path;
  bothKey = (await admin.createKey({ name: 'both', endpoints: [server.endpointPath, otherEndpoint] })).key;
  await close();
  const submitted = await server.call('POST', '/video/generate', { prompt: 'test: steps=0 stepMs=0 size=1024' });
  taskId = submitted.body.taskId;
  expect((await pollTask(server, taskId)).task.status).toBe('SUCCESS');
});
afterAll(() => server.stop());

describe('a poll answered from memory', () => {
  it('gives the full answer, poll after poll', async () => {
    const polls = [];
    for (let i = 0; i < 5; i++) polls.push(await server.call('GET', `/video/tasks/${taskId}`));
    for (const poll of polls) {
      expect(poll.status).toBe(200);
      expect(poll.body.taskId).toBe(taskId);
      expect(poll.body.status).toBe('SUCCESS');
      expect(poll.body.mediaUrl).toMatch(new RegExp(`/v1/media/${taskId}\\.mp4\\?`));
      expect(poll.headers.get('content-type')).toBe('application/json; charset=utf-8');
    }
  });

  it('sees a change committed by another connection on the very next poll', async () => {
    expect((await server.call('GET', `/video/tasks/${taskId}`)).body.mediaUrl).not.toBeNull();
    const db = new DatabaseSync(join(server.dataDir, 'vidforge.db'));
    try {
      db.prepare('UPDATE tasks SET result_deleted_at = ? WHERE id = ?').run(Date.now(), taskId);
    } finally {
      db.close();
    }
    const after = await server.call('GET', `/video/tasks/${taskId}`);
    expect(after.status).toBe(200);
    expect(after.body.mediaUrl).toBeNull();
    expect(after.body.expireTime).toBeNull();
  });

  it('refuses a task of another endpoint, even to a key granted both, poll after poll', async () => {
    const authorization = `Bearer ${bothKey}`;
    const own = await server.call('GET', `/video/tasks/${taskId}`, undefined, { authorization });
    expect(own.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.basePath}/${otherEndpoint}/video/tasks/${taskId}`, {
        headers: { authorization },
      });
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('TASK_NOT_FOUND');
    }
  });
});
