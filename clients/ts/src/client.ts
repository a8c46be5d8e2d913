/**
 * A thin typed client for the Mintbook HTTP functions, for the Next.js app and scripts.
 *
 * Guarantees:
 * - Each function is called by name with its own method (from functions.ts), its query or body
 *   typed from the OpenAPI document (schema.ts, both generated: `make ts-client`).
 * - The ID token (from `getIdToken`, e.g. Firebase Auth's `user.getIdToken()`) goes in
 *   `Authorization: Bearer`; functions that need an `Idempotency-Key` take it as a required
 *   argument, so a retry of one user intent reuses one key.
 * - The JSON envelope is unwrapped into `{ ok: true, data }` typed per function, or
 *   `{ ok: false, error }` with a `MintbookError` carrying the stable `code` (e.g.
 *   "insufficient_funds"), the HTTP status, the field and `Retry-After`. A 503 (nothing was
 *   written) is retried with the same key, at most `retries` times. Nothing else is retried.
 * - A response that is not the envelope (a proxy's HTML page, a dropped connection) is an error
 *   with code "bad_response" or "network_error", never an exception from `call`.
 */
import { FUNCTIONS, type FunctionName } from './functions';
import type { components, operations } from './schema';

export type { FunctionName } from './functions';
export type Schemas = components['schemas'];
export type ApiErrorItem = Schemas['Error'];
/** Every code the server answers (the README's error table), and the two the client makes. */
export type ErrorCode = ApiErrorItem['code'] | 'bad_response' | 'network_error';

type Operation<N extends FunctionName> = operations[N];
type Responses<N extends FunctionName> = Operation<N>['responses'];
type SuccessStatus<N extends FunctionName> = Extract<keyof Responses<N>, 200 | 201 | 202>;
type SuccessBody<N extends FunctionName> =
  Responses<N>[SuccessStatus<N>] extends { content: { 'application/json': infer B } } ? B : never;

/** What a function answers on success (the envelope's `data`). */
export type Data<N extends FunctionName> = SuccessBody<N> extends { data: infer D } ? D : never;

/** The JSON body a function takes, if any. */
export type Body<N extends FunctionName> = BodyOf<NonNullable<Operation<N>['requestBody']>>;
type BodyOf<R> = [R] extends [never] ? never
  : R extends { content: { 'application/json': infer B } } ? B : never;

/** The query parameters a function takes, if any. */
export type Query<N extends FunctionName> =
  Operation<N>['parameters'] extends { query?: infer Q } ? Exclude<Q, undefined> : never;

type Idempotent<N extends FunctionName> = (typeof FUNCTIONS)[N]['idempotent'];

/** A call's input: `body` or `query` as the function defines them, and its key if it needs one. */
export type Input<N extends FunctionName> =
  ([Body<N>] extends [never] ? { body?: undefined } : { body: Body<N> })
  & ([Query<N>] extends [never] ? { query?: undefined } : { query?: Query<N> })
  & (Idempotent<N> extends true ? { idempotencyKey: string } : { idempotencyKey?: undefined });

export type Result<N extends FunctionName> =
  | { ok: true; status: number; data: Data<N> }
  | { ok: false; status: number; error: MintbookError };

export class MintbookError extends Error {
  constructor(
    readonly status: number,
    /** The stable snake_case code, e.g. "insufficient_funds", "idempotency_conflict". */
    readonly code: ErrorCode,
    message: string,
    readonly field: string | null = null,
    readonly details: Record<string, unknown> | undefined = undefined,
    /** Seconds to wait before retrying (429, 503), when the server said. */
    readonly retryAfter: number | null = null,
    /** Every error of the envelope (a 400 may name several fields). */
    readonly errors: ApiErrorItem[] = [],
  ) {
    super(message);
    this.name = 'MintbookError';
  }
}

export interface ClientOptions {
  /** The functions' base URL, e.g. http://127.0.0.1:8080 locally. */
  baseUrl: string;
  /** The signed-in user's ID token, or null when signed out. */
  getIdToken?: () => Promise<string | null> | string | null;
  /** How many times a 503 is retried with the same key (default 2). */
  retries?: number;
  /** Longest pause before a retry, in seconds (default 5). */
  maxRetryDelayS?: number;
  fetch?: typeof fetch;
}

/** A fresh key for one user intent (a button press), reused by every retry of it. */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

function toSearch(query: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

async function decode<N extends FunctionName>(response: Response): Promise<Result<N>> {
  const retry = Number(response.headers.get('Retry-After'));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  let envelope: { success?: boolean; data?: unknown; errors?: ApiErrorItem[] };
  try {
    envelope = await response.json();
  } catch {
    const error = new MintbookError(response.status, 'bad_response',
                                    `not a JSON envelope (HTTP ${response.status})`);
    return { ok: false, status: response.status, error };
  }
  if (envelope.success === true && response.ok) {
    return { ok: true, status: response.status, data: envelope.data as Data<N> };
  }
  const errors = envelope.errors ?? [];
  const first = errors[0];
  const error = first
    ? new MintbookError(response.status, first.code, first.message, first.field, first.details,
                        retryAfter, errors)
    : new MintbookError(response.status, 'bad_response', 'no error given', null, undefined,
                        retryAfter, errors);
  return { ok: false, status: response.status, error };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch;
  const retries = options.retries ?? 2;
  const maxDelayS = options.maxRetryDelayS ?? 5;

  async function once<N extends FunctionName>(name: N, input: Input<N>): Promise<Result<N>> {
    const { method } = FUNCTIONS[name];
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = options.getIdToken ? await options.getIdToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (input.idempotencyKey) headers['Idempotency-Key'] = input.idempotencyKey;
    const hasBody = input.body !== undefined;
    if (hasBody) headers['Content-Type'] = 'application/json';
    const url = `${base}/${name}${toSearch(input.query as Record<string, unknown> | undefined)}`;
    try {
      const response = await doFetch(url, {
        method, headers, body: hasBody ? JSON.stringify(input.body) : undefined,
      });
      return await decode<N>(response);
    } catch (err) {
      const error = new MintbookError(0, 'network_error', String(err));
      return { ok: false, status: 0, error };
    }
  }

  /** Call function `name`; never throws for an API or network error (see Result). */
  async function call<N extends FunctionName>(name: N, ...args: {} extends Input<N>
    ? [input?: Input<N>] : [input: Input<N>]): Promise<Result<N>> {
    const input = (args[0] ?? {}) as Input<N>;
    let result = await once(name, input);
    for (let attempt = 0; attempt < retries && !result.ok && result.status === 503; attempt++) {
      const waitS = Math.min(result.error.retryAfter ?? 0.2 * 2 ** attempt, maxDelayS);
      await sleep(waitS * 1000);
      result = await once(name, input);
    }
    return result;
  }

  /** Call function `name`; its data, or a thrown MintbookError. */
  async function request<N extends FunctionName>(name: N, ...args: {} extends Input<N>
    ? [input?: Input<N>] : [input: Input<N>]): Promise<Data<N>> {
    const result = await call(name, ...args);
    if (!result.ok) throw result.error;
    return result.data;
  }

  return { call, request };
}

export type MintbookClient = ReturnType<typeof createClient>;
