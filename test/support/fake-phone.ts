import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
  authorization: string;
  contentType: string;
  expect: string | undefined;
  /** The `XML` form field, decoded. */
  xml: string;
}

/**
 * A Cisco IP phone's web server as the protocol note (§2) describes it: `POST /CGI/Execute` with
 * a URL-encoded form field `XML` and basic authentication. It answers `CiscoIPPhoneResponse`
 * with one `ResponseItem` per `ExecuteItem` (Status 0), a display object with one item for the
 * object, and `<CiscoIPPhoneError Number="4" />` for wrong credentials.
 * `mode`: `hang` never answers (to test timeouts); `fail-first` drops the first connection.
 */
export async function startFakePhone(o: { user: string; password: string; mode?: 'ok' | 'hang' | 'fail-first' }) {
  const received: ReceivedPush[] = [];
  let attempts = 0;
  const expected = 'Basic ' + Buffer.from(`${o.user}:${o.password}`).toString('base64');
  const server = http.createServer((req, res) => {
    attempts++;
    if (o.mode === 'hang') return;
    if (o.mode === 'fail-first' && attempts === 1) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('Content-Type', 'text/xml');
      if (req.method !== 'POST' || req.url !== '/CGI/Execute') {
        res.statusCode = 404;
        res.end();
        return;
      }
      if (req.headers.authorization !== expected) {
        res.end('<CiscoIPPhoneError Number="4" />');
        return;
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const xml = form.get('XML');
      if (!xml || !/^(<\?xml[^>]*\?>)?<CiscoIPPhone(Execute|Text)>/.test(xml)) {
        res.end('<CiscoIPPhoneError Number="1" />');
        return;
      }
      received.push({ authorization: req.headers.authorization!, contentType: String(req.headers['content-type']), expect: req.headers.expect, xml });
      const urls = [...xml.matchAll(/<ExecuteItem [^>]*URL="([^"]*)"/g)].map((m) => m[1]!);
      const items = (urls.length ? urls : ['']).map((u) => `<ResponseItem URL="${u}" Data="Success" Status="0"/>`).join('');
      res.end(`<CiscoIPPhoneResponse>${items}</CiscoIPPhoneResponse>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    received,
    get attempts() {
      return attempts;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
