import type { IncomingMessage } from 'node:http';
import type { ZodType } from 'zod';
import { ParleyError } from '@parley/schema';

/**
 * Reads a JSON body of at most `maxBytes`. A declared Content-Length over the
 * limit is refused before a byte is read; a body that grows past it while
 * streaming is refused as soon as it does, so an oversized body is never buffered.
 */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    // The client went away mid-body: its fault, not ours, and no one is left to answer.
    const onCut = () => {
      cleanup();
      reject(new ParleyError('BAD_REQUEST', 'the body was cut off'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onCut);
      req.off('close', onCut);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onCut);
    req.on('close', onCut);
  });

  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ParleyError('BAD_REQUEST', 'the body is not valid JSON');
  }
}

/** Validates `value`; the first problem becomes a VALIDATION_FAILED message naming its field. */
export function validate<T>(schema: ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length ? issue.path.join('.') : 'body';
  throw new ParleyError('VALIDATION_FAILED', issue ? `${where}: ${issue.message}` : 'invalid input');
}

function tooLarge(maxBytes: number): ParleyError {
  return new ParleyError('PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
}
