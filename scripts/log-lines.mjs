// Shows one line of pino JSON as text for a person at a terminal:
//   12:03:04 INFO  media-server listening port=1080
// Lines that are not pino JSON pass through unchanged.

const LEVELS = { 10: ['TRACE', 90], 20: ['DEBUG', 90], 30: ['INFO ', 32], 40: ['WARN ', 33], 50: ['ERROR', 31], 60: ['FATAL', 41] };
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'v']);

export function formatLine(line, color = false) {
  if (!line.startsWith('{')) return line;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null || typeof entry.level !== 'number') return line;
  const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const [label, code] = LEVELS[entry.level] ?? [String(entry.level).padEnd(5), 0];
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const fields = [];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (SKIP.has(key)) continue;
    if ((key === 'err' || key === 'error') && value && typeof value === 'object') {
      fields.push(`${key}=${JSON.stringify(value.message ?? value.type ?? '')}`);
      if (typeof value.stack === 'string' && entry.level >= 50) stack = '\n' + value.stack;
      continue;
    }
    fields.push(`${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  }
  const rest = fields.length > 0 ? ' ' + paint(90, fields.join(' ')) : '';
  return `${paint(90, time)} ${paint(code, label)} ${entry.msg ?? ''}${rest}${stack}`;
}
