import axios, { type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { readApiKey } from './apiKey';
import { messageFromBody, providerHttpError } from './errors';

/**
 * A small JSON-over-HTTP client for providers without an SDK here (Together, Fireworks): bearer auth read
 * from the environment per request, no automatic redirects (Together answers uploads with one), no retries
 * (callers decide), and every failure turned into a `ProviderRequestError` or `ProviderUnavailableError`.
 */
export interface ProviderHttp {
  /** Sends a request; statuses listed in `accept` come back as responses instead of errors. */
  request<T = unknown>(what: string, config: AxiosRequestConfig, accept?: number[]): Promise<AxiosResponse<T>>;
  /** Sends a request without the Authorization header, to an absolute URL (a presigned upload URL). */
  requestUnauthenticated<T = unknown>(what: string, config: AxiosRequestConfig): Promise<AxiosResponse<T>>;
}

export function createProviderHttp(opts: { name: string; baseURL: string; apiKeyEnv: string; timeoutMs: number }): ProviderHttp {
  const instance: AxiosInstance = axios.create({
    baseURL: opts.baseURL.replace(/\/+$/, ''),
    timeout: opts.timeoutMs,
    maxRedirects: 0,
    validateStatus: () => true,
    // No proxies from the environment: the key must go straight to the configured endpoint.
    proxy: false,
  });

  async function send<T>(what: string, config: AxiosRequestConfig, key: string | undefined, accept: number[]): Promise<AxiosResponse<T>> {
    const label = `${opts.name}: ${what}`;
    let res: AxiosResponse<T>;
    try {
      res = await instance.request<T>({
        ...config,
        headers: { ...(config.headers ?? {}), ...(key ? { Authorization: `Bearer ${key}` } : {}) },
      });
    } catch (err) {
      // No response: network failure or timeout (retryable). Axios errors carry the request config, so
      // only the message is kept, never the error object with its headers.
      const e = err as { code?: string; message?: string };
      const reason = e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT' ? 'request timed out' : `${e.code ?? ''} ${e.message ?? String(err)}`.trim();
      throw providerHttpError(label, undefined, reason, key);
    }
    if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return res;
    throw providerHttpError(label, res.status, messageFromBody(res.data) || res.statusText, key);
  }

  return {
    request(what, config, accept = []) {
      return send(what, config, readApiKey(opts.apiKeyEnv, "the fine-tuning provider's API key"), accept);
    },
    requestUnauthenticated(what, config) {
      return send(what, { ...config, baseURL: undefined }, undefined, []);
    },
  };
}
