import { afterEach, describe, expect, it } from 'vitest';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { request } from '../api/client';
import { json, mockFetch } from '../test/util';
import { platform, setPlatform } from './index';
import { tauriPlatform } from './tauri';
import { SECRET_KEY, webPlatform } from './web';

afterEach(() => {
  setPlatform(null);
  clearMocks();
  delete (window as unknown as { isTauri?: boolean }).isTauri;
});

describe('platform adapter', () => {
  it('is the web platform in a browser: same origin, the stored secret', async () => {
    expect(platform().kind).toBe('web');
    webPlatform.storeSecret('s3cret', false);
    expect(sessionStorage.getItem(SECRET_KEY)).toBe('s3cret');
    expect(await webPlatform.gatewayInfo()).toEqual({ baseUrl: '', token: 's3cret' });
    webPlatform.clearSecret();
    expect(await webPlatform.gatewayInfo()).toEqual({ baseUrl: '', token: null });
  });

  it('is the Tauri platform in the desktop shell: base URL and token from gateway_info', async () => {
    (window as unknown as { isTauri?: boolean }).isTauri = true;
    mockIPC((cmd) => (cmd === 'gateway_info' ? { base_url: 'http://127.0.0.1:18080/', token: 'desktop-token' } : null));
    expect(platform().kind).toBe('tauri');
    expect(platform().needsLogin).toBe(false);
    const fetch = mockFetch((url) => (url.pathname === '/api/admin/ping' ? json({ ok: true }) : undefined));
    await request('/ping');
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:18080/api/admin/ping');
    expect(new Headers(init.headers).get('X-Admin-Key')).toBe('desktop-token');
    expect(await tauriPlatform.publicOrigin()).toBe('http://127.0.0.1:18080');
  });
});
