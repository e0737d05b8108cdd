import type { Call } from '../api';
import { formatDuration, formatMoney, formatTime } from '../format';
import { t } from '../i18n';

const ICONS: Record<Call['kind'], string> = { incoming: '↙', outgoing: '↗', missed: '✗', internal: '⇄' };

export function KindIcon(props: { kind: Call['kind'] }) {
  return <span class={`kind kind-${props.kind}`} role="img" aria-label={t(`kind.${props.kind}`)} title={t(`kind.${props.kind}`)}>{ICONS[props.kind]}</span>;
}

/** The calls as a table; a number opens the call list filtered by it. */
export function CallTable(props: { calls: Call[]; showUser?: boolean }) {
  return (
    <div class="table-wrap">
      <table data-testid="calls">
        <thead>
          <tr>
            <th scope="col">{t('calls.type')}</th>
            <th scope="col">{t('calls.time')}</th>
            <th scope="col">{t('calls.number')}</th>
            <th scope="col">{t('calls.extension')}</th>
            {props.showUser && <th scope="col">{t('calls.user')}</th>}
            <th scope="col">{t('calls.destination')}</th>
            <th scope="col" class="num">{t('calls.duration')}</th>
            <th scope="col" class="num">{t('calls.cost')}</th>
          </tr>
        </thead>
        <tbody>
          {props.calls.map((c) => (
            <tr key={c.id} data-kind={c.kind}>
              <td><KindIcon kind={c.kind} /></td>
              <td>{formatTime(c.startAt)}</td>
              <td dir="ltr">
                <a href={`#/calls?number=${encodeURIComponent(c.remoteNumber.replace(/X+$/, ''))}`}>{c.remoteNumber}</a>
                {c.masked && <span class="sr-only"> ({t('calls.masked')})</span>}
              </td>
              <td dir="ltr">{c.extension}</td>
              {props.showUser && <td>{c.userName || c.user || '–'}</td>}
              <td>{[c.area, c.nation].filter(Boolean).join(', ') || c.destinationType}</td>
              <td class="num">{formatDuration(c.durationS)}</td>
              <td class="num">{formatMoney(c.cost, c.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
