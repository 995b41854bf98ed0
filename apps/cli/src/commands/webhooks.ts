/** `vidforge webhooks …`: operator commands on webhook subscriptions and deliveries (docs/webhooks.md). */
import type { openAdmin } from '@vidforge/server/admin';
import { ID_ARG, parse } from '../args.ts';
import { usageError } from '../cli-error.ts';
import { printJson, printTable } from '../output.ts';
import { closest } from '../suggest.ts';
import { adminConfig } from './admin.ts';

export const WEBHOOKS_HELP = `vidforge webhooks create --endpoint ENDPOINT --url URL [--events EVENT,...] [--json]
vidforge webhooks list [--endpoint ENDPOINT] [--json]
vidforge webhooks delete SUBSCRIPTION_ID [--json]
vidforge webhooks deliveries [--subscription ID | --task TASK_ID] [--limit N] [--json]
vidforge webhooks redeliver DELIVERY_ID [--json]
vidforge webhooks secret --endpoint ENDPOINT [--json]
EVENTS: task.succeeded, task.failed, task.cancelled (the default: all three), task.started.
  create prints the subscription's whsec_ signing secret once; \`secret\` prints the endpoint's
  secret, which signs the per-task callbacks (callbackUrl, callback_url).`;

const ACTIONS = ['create', 'list', 'delete', 'deliveries', 'redeliver', 'secret'];

const common = { json: { type: 'boolean' }, config: { type: 'string' } } as const;

type Admin = Awaited<ReturnType<typeof openAdmin>>['admin'];

/** Loaded only once the flags are checked: a usage error never waits for the server's modules. */
async function withWebhooks<T>(configFile: string | undefined, fn: (admin: Admin['webhooks']) => Promise<T>) {
  const { openAdmin } = await import('@vidforge/server/admin');
  const handle = await openAdmin(await adminConfig(configFile));
  try {
    return await fn(handle.admin.webhooks);
  } finally {
    await handle.close();
  }
}

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export async function webhooks(argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  if (action === 'create') {
    const { values } = parse(rest, {
      ...common,
      endpoint: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'string' },
    });
    if (!values.endpoint || !values.url) throw usageError('webhooks create needs --endpoint ENDPOINT and --url URL');
    const events = values.events
      ?.split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const { subscription, secret } = await withWebhooks(values.config, (admin) =>
      admin.createSubscription({ endpoint: values.endpoint!, url: values.url!, events }),
    );
    if (values.json) return printJson({ ...subscription, secret });
    process.stdout.write(
      `Created webhook subscription ${subscription.id} on endpoint ${subscription.endpointPath}\n` +
        `  ${subscription.url}\n  events: ${subscription.events.join(', ')}\n\n` +
        `Signing secret (Standard Webhooks):\n\n  ${secret}\n\nShown once: store it now where your receiver verifies signatures.\n`,
    );
  } else if (action === 'list') {
    const { values } = parse(rest, { ...common, endpoint: { type: 'string' } });
    const list = await withWebhooks(values.config, (admin) => admin.listSubscriptions(values.endpoint));
    if (values.json) return printJson(list);
    printTable(
      ['ID', 'ENDPOINT', 'URL', 'EVENTS', 'CREATED'],
      list.map((s) => [s.id, s.endpointId, s.url, s.events.join(','), time(s.createdAt)]),
    );
  } else if (action === 'delete') {
    const { values, positionals } = parse(rest, common, 1, ID_ARG);
    if (!positionals[0]) throw usageError('webhooks delete needs a subscription id: vidforge webhooks delete ID');
    const deleted = await withWebhooks(values.config, (admin) => admin.deleteSubscription(positionals[0]!));
    if (values.json) return printJson({ deleted });
    process.stdout.write(`Deleted webhook subscription ${deleted.id}; its pending deliveries are given up\n`);
  } else if (action === 'deliveries') {
    const { values } = parse(rest, {
      ...common,
      subscription: { type: 'string' },
      task: { type: 'string' },
      limit: { type: 'string' },
    });
    if (values.subscription !== undefined && values.task !== undefined) {
      throw usageError('webhooks deliveries takes --subscription or --task, not both');
    }
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw usageError('--limit must be an integer 1..1000');
    const list = await withWebhooks(values.config, (admin) =>
      admin.deliveries({ subscriptionId: values.subscription, taskId: values.task, limit }),
    );
    if (values.json) return printJson(list);
    printTable(
      ['ID', 'EVENT', 'TASK', 'TO', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT', 'CREATED'],
      list.map((d) => [
        d.id,
        d.eventType,
        d.taskId,
        d.subscriptionId ?? 'callback',
        d.status,
        String(d.attempts),
        d.lastError ?? (d.lastStatusCode === null ? '-' : `HTTP ${d.lastStatusCode}`),
        time(d.nextAttemptAt),
        time(d.createdAt),
      ]),
    );
  } else if (action === 'redeliver') {
    const { values, positionals } = parse(rest, common, 1, ID_ARG);
    if (!positionals[0]) throw usageError('webhooks redeliver needs a delivery id: vidforge webhooks redeliver ID');
    const delivery = await withWebhooks(values.config, (admin) => admin.redeliver(positionals[0]!));
    if (values.json) return printJson(delivery);
    process.stdout.write(
      `Delivery ${delivery.id} (${delivery.eventType}, webhook-id ${delivery.eventId}) queued again\n`,
    );
  } else if (action === 'secret') {
    const { values } = parse(rest, { ...common, endpoint: { type: 'string' } });
    if (!values.endpoint) throw usageError('webhooks secret needs --endpoint ENDPOINT');
    const found = await withWebhooks(values.config, (admin) => admin.endpointSecret(values.endpoint!));
    if (values.json) return printJson(found);
    process.stdout.write(`${found.secret}\n`);
  } else {
    const meant = action === undefined ? undefined : closest(action, ACTIONS);
    const problem =
      action === undefined ? '' : `unknown webhooks command "${action}"${meant ? `; did you mean ${meant}?` : ''}\n`;
    throw usageError(`${problem}usage:\n${WEBHOOKS_HELP}`);
  }
}
