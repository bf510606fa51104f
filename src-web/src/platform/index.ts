// The platform adapter (house-style §5.5): where the admin API lives and how the dashboard
// authenticates. The browser build talks to its own origin and logs in with the admin secret;
// the desktop shell (Tauri) hands over the base URL and a per-install token.
import { isTauri } from '@tauri-apps/api/core';
import { webPlatform } from './web';
import { tauriPlatform } from './tauri';

export interface GatewayInfo {
  /** Origin of the gateway, without a trailing slash ('' = same origin). */
  baseUrl: string;
  /** The admin token, when the platform supplies one. */
  token: string | null;
}

export interface Platform {
  kind: 'web' | 'tauri';
  /** Resolves the gateway's base URL and the token (if the platform owns it). */
  gatewayInfo(): Promise<GatewayInfo>;
  /** Whether the user types the admin secret (web) or the shell supplies it (desktop). */
  needsLogin: boolean;
  storeSecret(secret: string, remember: boolean): void;
  clearSecret(): void;
  /** The public origin clients should use (for the Connect page). */
  publicOrigin(): Promise<string>;
}

let current: Platform | null = null;

export function platform(): Platform {
  if (!current) current = isTauri() ? tauriPlatform : webPlatform;
  return current;
}

/** For tests: force a platform implementation. */
export function setPlatform(p: Platform | null): void {
  current = p;
}
