import type { Command } from 'commander';
import { findUserByUsername } from '../db/queries/portal-users.js';
import { revokeGadgetTokensOfUser } from '../db/queries/gadget-tokens.js';
import { UsageError } from '../errors.js';
import { gadgetConfigHelp } from '../gadgets/config-help.js';
import { gadgetTokenDays, setGadgetTokenDays, TOKEN_DAYS } from '../gadgets/gadget-tokens.js';
import type { Runtime } from '../runtime.js';

/** `tollgate gadgets config|token-days|revoke`: Jabber/Webex configuration help and gadget tokens. */
export function registerGadgetCommands(program: Command, deps: { withRuntime: <T>(fn: (rt: Runtime) => Promise<T>) => Promise<T> }): void {
  const gadgets = program.command('gadgets').description('the Jabber/Webex gadgets (Call Analytics, Budget Control, Phone Lock)');

  gadgets.command('config')
    .description('print the jabber-config.xml custom tabs and the Webex embedded app values for the address clients reach')
    .requiredOption('--base-url <url>', 'https://host:port of tollgate as Jabber and Webex clients reach it')
    .option('--json', 'the same as JSON')
    .action((o: { baseUrl: string; json?: boolean }) => {
      let help;
      try {
        help = gadgetConfigHelp(o.baseUrl);
      } catch (err) {
        throw new UsageError(`--base-url: ${(err as Error).message}`);
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(help, null, 2) + '\n');
        return;
      }
      const out = [
        'Jabber: add inside <config version="1.0"><Client> of jabber-config.xml (Jabber replaces ${UserID} with the user name):', '',
        help.jabberConfigXml, '',
        `Webex: one embedded app per gadget on the Developer Portal ("Where does your app work?": ${help.webex.whereItWorks}; sidebar behaviour "${help.webex.sidebarBehavior}")`,
        `  Valid domains: ${help.webex.validDomains.join(', ')}`,
        ...help.gadgets.map((g) => `  ${g.title}: Start Page URL and Sidebar start page URL ${g.webexStartPageUrl}`),
        `  ${help.webex.note}`,
      ];
      process.stdout.write(out.join('\n') + '\n');
    });

  gadgets.command('token-days')
    .description(`show or set the lifetime of gadget tokens issued from now on (${TOKEN_DAYS.min}-${TOKEN_DAYS.max} days, default ${TOKEN_DAYS.default})`)
    .argument('[days]')
    .action(async (days: string | undefined) => {
      await deps.withRuntime(async (rt) => {
        if (days !== undefined) {
          const n = Number(days);
          if (!Number.isInteger(n) || n < TOKEN_DAYS.min || n > TOKEN_DAYS.max) throw new UsageError(`days: ${JSON.stringify(days)} is not a whole number of days from ${TOKEN_DAYS.min} to ${TOKEN_DAYS.max}`);
          await setGadgetTokenDays(rt.db, n, Math.floor(Date.now() / 1000));
        }
        process.stdout.write(`gadget tokens last ${await gadgetTokenDays(rt.db)} days\n`);
      });
    });

  gadgets.command('revoke')
    .description('revoke every gadget token of a user (the gadgets ask them to sign in again)')
    .argument('<username>')
    .action(async (username: string) => {
      await deps.withRuntime(async (rt) => {
        const user = await findUserByUsername({ db: rt.db, username });
        if (!user) throw new UsageError(`no user ${JSON.stringify(username)}`);
        const n = await revokeGadgetTokensOfUser({ db: rt.db, userId: user.id, now: Math.floor(Date.now() / 1000) });
        process.stdout.write(`${n} gadget token(s) of ${user.username} revoked\n`);
      });
    });
}
