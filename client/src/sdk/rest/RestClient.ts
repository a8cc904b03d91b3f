import { codeOfStatus, isErrorCode, ParleyError, type ErrorCode } from '@parley/schema';

export interface RestOptions {
  apiUrl: string;
  fetch: typeof fetch;
  token: () => string;
  /** Called once on a 401; resolves true if a new token was obtained and the call should be repeated. */
  refresh?: () => Promise<boolean>;
  /** A 401 that a refresh did not cure: the server no longer accepts this session. */
  unauthorized?: (error: ParleyError) => void;
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

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body);
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
    if (!res.ok) {
      const error = errorFrom(res.status, json, `${method} ${path}`);
      if (res.status === 401) this.options.unauthorized?.(error);
      throw error;
    }
    return json as T;
  }
}

/** Register, log in, refresh or log out: calls that manage the tokens themselves, so no automatic refresh. */
export async function authRequest<T>(fetchImpl: typeof fetch, apiUrl: string, path: string, body: unknown, token?: string): Promise<T> {
  let res: Response;
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
    res = await fetchImpl(apiUrl + path, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (e) {
    throw new ParleyError('CONNECTION_FAILED', `POST ${path}: ${(e as Error).message}`);
  }
  const text = await res.text();
  const json = text ? safeJson(text) : undefined;
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
