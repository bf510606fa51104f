import { invoke } from '@tauri-apps/api/core';
import type { GatewayInfo, Platform } from './index';

/** What the desktop shell's `gateway_info` command returns (src-tauri, issue 8). */
interface TauriGatewayInfo {
  base_url: string;
  token: string;
}

let cached: Promise<GatewayInfo> | null = null;

function load(): Promise<GatewayInfo> {
  if (!cached) {
    cached = invoke<TauriGatewayInfo>('gateway_info').then((info) => ({
      baseUrl: info.base_url.replace(/\/+$/, ''),
      token: info.token,
    }));
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}

export const tauriPlatform: Platform = {
  kind: 'tauri',
  needsLogin: false,
  gatewayInfo: load,
  storeSecret() {
    /* the shell owns the token */
  },
  clearSecret() {
    cached = null;
  },
  async publicOrigin() {
    return (await load()).baseUrl;
  },
};
