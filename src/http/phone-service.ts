import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';
import { INPUT_SOFT_KEYS, MENU_SOFT_KEYS, phoneInput, phoneMenu, phoneText } from '../../phone-xml/index.js';
import type { LockReason } from '../db/tables.js';
import type { LineOwner } from '../phone-lock/directory.js';
import type { PinCheck, PinService } from '../phone-lock/pin-service.js';
import type { PhoneLock } from '../phone-lock/service.js';

export interface PhoneServiceDeps {
  phoneLock: PhoneLock;
  pins: PinService;
  log: Logger;
  blockMinutes: number;
}

const DEVICE = /^[A-Za-z0-9_.-]{1,129}$/;
const REASON_TEXT: Record<LockReason, string> = { user: 'by you', admin: 'by the administrator', budget: 'budget spent' };
const PAST = 'Thu, 01 Jan 1970 00:00:00 GMT';

/** A page for the phone: `text/xml` with an explicit charset; `transient` pages expire at once. */
function send(ctx: Context, xml: string, transient: boolean): void {
  ctx.status = 200;
  ctx.type = 'text/xml; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  if (transient) ctx.set('Expires', PAST);
  ctx.body = xml;
}

function one(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

const PIN_TEXT: Record<Exclude<PinCheck, 'ok'>, (minutes: number) => string> = {
  wrong: () => 'Wrong PIN. Please try again.',
  blocked: (m) => `Too many wrong PINs. PIN actions are blocked for up to ${m} minutes.`,
  throttled: () => 'Too many attempts from this phone. Wait a minute and try again.',
  'no-pin': () => 'You have no PIN yet. Ask your administrator to set one.',
};

/**
 * The Cisco IP Phone service under `/phone/` (configure `http://<host>:<port>/phone/?device=#DEVICENAME#`
 * in CUCM): a menu with status, lock, unlock and change PIN. Lock and unlock ask for the PIN
 * (`InputFlags` NP); the phone sends it back in the query string, which is never logged.
 * Every answer, errors included, is a Cisco IP Phone XML object.
 */
export function phoneService(deps: PhoneServiceDeps): Middleware {
  const { phoneLock, pins } = deps;

  async function page(ctx: Context): Promise<void> {
    const sub = ctx.path.replace(/^\/phone\/?/, '').replace(/\/$/, '');
    const device = one(ctx.query.device);
    if (!DEVICE.test(device)) {
      send(ctx, phoneText({ title: 'Phone Lock', text: 'This service needs the phone\'s device name: configure the URL with ?device=#DEVICENAME#.' }), true);
      return;
    }
    const entry = phoneLock.device(device);
    if (!entry) {
      send(ctx, phoneText({ title: 'Phone Lock', text: `This phone (${device}) is not assigned to a user in tollgate. Ask your administrator.` }), true);
      return;
    }
    const owner = entry.owner;
    const base = `${ctx.protocol}://${ctx.host}/phone`;
    const q = `device=${encodeURIComponent(entry.name)}`;
    const label = `Line ${owner.extension}`;
    switch (sub) {
      case '':
      case 'menu': {
        const reasons = phoneLock.locks.reasons(owner);
        send(ctx, phoneMenu({
          title: 'Phone Lock',
          prompt: `${label}: ${reasons.length ? 'LOCKED' : 'unlocked'}`,
          items: [
            { name: 'Status', url: `${base}/status?${q}` },
            { name: 'Lock line', url: `${base}/lock?${q}` },
            { name: 'Unlock line', url: `${base}/unlock?${q}` },
            { name: 'Change PIN', url: `${base}/pin?${q}` },
          ],
          softKeys: MENU_SOFT_KEYS,
        }), false);
        return;
      }
      case 'status': {
        send(ctx, phoneText({ title: 'Phone Lock', prompt: label, text: statusText(owner, phoneLock.locks.reasons(owner)) }), true);
        return;
      }
      case 'lock':
      case 'unlock': {
        send(ctx, phoneInput({
          title: sub === 'lock' ? 'Lock line' : 'Unlock line',
          prompt: `Enter your ${pins.length}-digit PIN`,
          url: `${base}/${sub}/submit?${q}`,
          items: [{ displayName: 'PIN', queryStringParam: 'pin', inputFlags: 'NP' }],
          softKeys: INPUT_SOFT_KEYS,
        }), true);
        return;
      }
      case 'lock/submit':
      case 'unlock/submit': {
        const locking = sub === 'lock/submit';
        const checked = await pins.check(owner.userId, one(ctx.query.pin), entry.name, 'phone');
        if (checked !== 'ok') {
          send(ctx, phoneText({ title: locking ? 'Lock line' : 'Unlock line', text: PIN_TEXT[checked](deps.blockMinutes) }), true);
          return;
        }
        const r = await phoneLock.setLock({ line: owner, reason: 'user', locked: locking, who: owner.username, channel: 'phone' });
        send(ctx, phoneText({ title: locking ? 'Lock line' : 'Unlock line', prompt: label, text: statusText(owner, r.reasons) }), true);
        return;
      }
      case 'pin': {
        const item = (displayName: string, queryStringParam: string) => ({ displayName, queryStringParam, inputFlags: 'NP' as const });
        send(ctx, phoneInput({
          title: 'Change PIN',
          prompt: `New PIN: ${pins.length} digits`,
          url: `${base}/pin/submit?${q}`,
          items: [item('Old PIN', 'old'), item('New PIN', 'new'), item('Repeat new PIN', 'repeat')],
          softKeys: INPUT_SOFT_KEYS,
        }), true);
        return;
      }
      case 'pin/submit': {
        const [oldPin, newPin, repeat] = [one(ctx.query.old), one(ctx.query.new), one(ctx.query.repeat)];
        let text: string;
        if (newPin !== repeat) text = 'The new PIN and its repetition differ. Nothing was changed.';
        else if (!pins.isValid(newPin)) text = `A PIN is ${pins.length} digits. Nothing was changed.`;
        else {
          const r = await pins.change(owner.userId, oldPin, newPin, entry.name, 'phone');
          text = r === 'ok' ? 'Your PIN was changed.' : r === 'invalid' ? `A PIN is ${pins.length} digits.` : PIN_TEXT[r](deps.blockMinutes);
        }
        send(ctx, phoneText({ title: 'Change PIN', text }), true);
        return;
      }
      default:
        send(ctx, phoneText({ title: 'Phone Lock', text: 'Unknown page. Go back to the Phone Lock menu.' }), true);
    }
  }

  return async function phone(ctx, next) {
    if (ctx.path !== '/phone' && !ctx.path.startsWith('/phone/')) return next();
    try {
      await page(ctx);
    } catch (err) {
      (ctx.state.log as Logger | undefined ?? deps.log).error({ err, path: ctx.path }, 'phone service failed');
      send(ctx, phoneText({ title: 'Phone Lock', text: 'The service had a problem. Please try again later.' }), true);
    }
  };
}

function statusText(owner: LineOwner, reasons: LockReason[]): string {
  const where = owner.partition ? ` (${owner.partition})` : '';
  if (reasons.length === 0) return `Line ${owner.extension}${where} is unlocked.`;
  return `Line ${owner.extension}${where} is LOCKED: ${reasons.map((r) => REASON_TEXT[r]).join(', ')}. Outside calls are blocked; emergency calls still work.`;
}
