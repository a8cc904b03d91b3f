import { codeOfStatus, isErrorCode, ParleyError, type ErrorCode } from '@parley/schema';

export interface RestOptions {
  apiUrl: string;
  fetch: typeof fetch;
  token: () => string;
  /** Called once on a 401; resolves true if a new token was obtained and the call should be repeated. */
  refresh?: () => Promise<boolean>;
}

/** JSON over fetch with the contract's error shape mapped to ParleyError; no network → CONNECTION_FAILED. */
export class RestClient {
  constructor(private readonly options: RestOptions) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown, retried = false): Promise<T> {
    let res: Response;
    try {
      res = await this.options.fetch(this.options.apiUrl + path, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      throw new ParleyError('CONNECTION_FAILED', `${method} ${path}: ${(e as Error).message}`);
    }
    if (res.status === 401 && !retried && this.options.refresh && (await this.options.refresh())) {
      return this.request<T>(method, path, body, true);
    }
    const text = await res.text();
    const json = text ? safeJson(text) : undefined;
    if (!res.ok) throw errorFrom(res.status, json, `${method} ${path}`);
    return json as T;
  }
}

/** Register or log in without a client: the SDK needs a token first. */
export async function authRequest<T>(fetchImpl: typeof fetch, apiUrl: string, path: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetchImpl(apiUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  } catch (e) {
    throw new ParleyError('CONNECTION_FAILED', `POST ${path}: ${(e as Error).message}`);
  }
  const json = safeJson(await res.text());
  if (!res.ok) throw errorFrom(res.status, json, `POST ${path}`);
  return json as T;
}

function errorFrom(status: number, json: unknown, what: string): ParleyError {
  const err = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code: ErrorCode = isErrorCode(err?.code) ? err.code : codeOfStatus(status);
  return new ParleyError(code, typeof err?.message === 'string' ? err.message : `${what}: HTTP ${status}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
