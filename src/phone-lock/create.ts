import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from '../db/knex.js';
import { PinService } from './pin-service.js';
import { createPhonePusher } from './push.js';
import { PhoneLock } from './service.js';

export interface PhoneLockServices {
  phoneLock: PhoneLock;
  pins: PinService;
}

/**
 * Builds Phone Lock from the configuration. `push`: whether this process pushes to phones (the
 * server does when push credentials are configured; the CLI never does, the server pushes the
 * changes it reads from the feed).
 */
export function createPhoneLockServices(config: Config, db: Db, log: Logger, options: { push: boolean }): PhoneLockServices {
  const pushLog = log.child({ component: 'phone-push' });
  const pusher = options.push && config.phonePushUser && config.phonePushPassword
    ? createPhonePusher({
        user: config.phonePushUser, password: config.phonePushPassword, concurrency: config.phonePushConcurrency,
        timeoutMs: config.phonePushTimeoutMs, retries: config.phonePushRetries, log: pushLog,
      })
    : undefined;
  const phoneLock = new PhoneLock({
    db, log: log.child({ component: 'phone-lock' }), allowNumbers: config.lockAllowNumbers, allowInternal: config.lockAllowInternal,
    ...(config.lockEmergencyNumbers ? { emergencyNumbers: config.lockEmergencyNumbers } : {}),
    pollMs: config.lockPollMs, directoryRefreshMs: config.lockDirectoryRefreshMs,
    ...(pusher ? { pusher } : {}),
    ...(config.phoneServiceUrl ? { phoneServiceUrl: config.phoneServiceUrl } : {}),
  });
  const pins = new PinService({
    db, log: log.child({ component: 'pins' }), length: config.pinLength, maxFailures: config.pinMaxFailures,
    blockSeconds: config.pinBlockSeconds, deviceAttemptsPerMinute: config.pinDeviceAttemptsPerMinute,
  });
  return { phoneLock, pins };
}
