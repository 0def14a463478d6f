/** A read-only value with a Copy button, for URLs and other values people paste elsewhere. */
import { useState } from 'react';

/** A read-only field with a Copy button (falls back to selecting the text); `label` names the field. */
export function CopyField({ value, label }: { value: string; label: string }) {
  const [copied, setCopied] = useState(false);
  const id = `copy-${label.replace(/\W+/g, '-')}`;
  return (
    <div className="copy-field">
      <input id={id} readOnly value={value} aria-label={label} onFocus={(e) => e.target.select()} className="mono" />
      <button
        type="button"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
            setCopied(true);
            window.setTimeout(() => setCopied(false), 2000);
          } catch {
            (document.getElementById(id) as HTMLInputElement | null)?.select();
          }
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
