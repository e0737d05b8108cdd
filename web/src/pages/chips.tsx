import { useState } from 'preact/hooks';
import { t } from '../i18n';

let next = 0;

/**
 * A multi-value input: values as removable chips, a text box that adds one on Enter or comma (and
 * on leaving it), known values offered through a datalist when given.
 */
export function Chips(props: { label: string; values: string[]; onChange: (v: string[]) => void; suggestions?: string[]; testId?: string }) {
  const [text, setText] = useState('');
  const [id] = useState(() => `chips-${++next}`);
  const add = () => {
    const parts = text.split(',').map((s) => s.trim()).filter((s) => s !== '' && !props.values.includes(s));
    if (parts.length > 0) props.onChange([...props.values, ...parts]);
    setText('');
  };
  return (
    <div class="chips" role="group" aria-labelledby={`${id}-label`}>
      <label id={`${id}-label`} for={`${id}-input`}>{props.label}</label>
      <ul class="plain chip-list">
        {props.values.map((v) => (
          <li class="chip">
            <span>{v}</span>
            <button type="button" class="link" aria-label={t('reports.removeValue', { value: v })} onClick={() => props.onChange(props.values.filter((x) => x !== v))}>×</button>
          </li>
        ))}
      </ul>
      <input id={`${id}-input`} value={text} list={props.suggestions?.length ? `${id}-list` : undefined} data-testid={props.testId}
        onInput={(e) => setText((e.target as HTMLInputElement).value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ',') {
            e.preventDefault();
            add();
          } else if (e.key === 'Backspace' && text === '' && props.values.length > 0) props.onChange(props.values.slice(0, -1));
        }}
        onBlur={add} />
      {props.suggestions?.length ? <datalist id={`${id}-list`}>{props.suggestions.map((s) => <option value={s} />)}</datalist> : null}
    </div>
  );
}
