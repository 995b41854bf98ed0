import type { RunningServer } from '../main.ts';

/** What `vidforge serve` prints: where the API is and how to call it. */
export function firstRunBanner(server: RunningServer): string {
  const { role, workers } = server.config;
  if (!role.includes('api')) {
    const work = role.includes('worker') ? `, ${workers} in-process worker(s)` : '';
    return `Vidforge is running with roles ${role.join(', ')}${work}; this process serves no HTTP API\n`;
  }
  const base = `${server.publicUrl}/v1/ai`;
  const { endpoint, newKey } = server.bootstrap;
  const key = newKey ?? '<your access key>';
  const lines = [
    `Vidforge is listening on ${server.url}`,
    '',
    `  basePath      ${base}`,
    `  endpointPath  ${endpoint?.path ?? '(none: create one with `vidforge endpoints create`)'}`,
    newKey
      ? `  AccessKey     ${newKey}    (shown once: store it now)`
      : '  AccessKey     (shown only when created; make another with `vidforge keys create --endpoint PATH`)',
    '',
  ];
  if (server.config.console)
    lines.push(`Web console: ${server.publicUrl}/ (sign in with the endpointPath and key)`, '');
  if (endpoint) {
    lines.push(
      'Try it:',
      '',
      `  curl -X POST "${base}/${endpoint.path}/video/generate" \\`,
      `    -H "Authorization: Bearer ${key}" \\`,
      '    -H "Content-Type: application/json" \\',
      `    -d '{"prompt": "Generate a video of a sunset over the ocean.", "settings": {"duration": 2}}'`,
      '',
      `  curl "${base}/${endpoint.path}/video/tasks/TASK_ID" -H "Authorization: Bearer ${key}"`,
      '',
    );
  }
  return lines.join('\n');
}
