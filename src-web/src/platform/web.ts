import type { Platform } from './index';

export const SECRET_KEY = 'switchyard.adminSecret';

function readSecret(): string | null {
  return sessionStorage.getItem(SECRET_KEY) ?? localStorage.getItem(SECRET_KEY);
}

export const webPlatform: Platform = {
  kind: 'web',
  needsLogin: true,
  async gatewayInfo() {
    return { baseUrl: '', token: readSecret() };
  },
  storeSecret(secret, remember) {
    sessionStorage.removeItem(SECRET_KEY);
    localStorage.removeItem(SECRET_KEY);
    (remember ? localStorage : sessionStorage).setItem(SECRET_KEY, secret);
  },
  clearSecret() {
    sessionStorage.removeItem(SECRET_KEY);
    localStorage.removeItem(SECRET_KEY);
  },
  async publicOrigin() {
    return window.location.origin;
  },
};
