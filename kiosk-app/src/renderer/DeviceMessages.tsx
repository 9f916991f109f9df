import { useEffect, useId, useState } from 'react';
import { enrolmentReference, type KioskApi, type KioskNotice, type ReceiptOutcome } from '../shared/kiosk-api.js';
import { STRINGS } from './i18n.js';

const { vi, en } = STRINGS;

/**
 * A sentence the citizen did not ask for (a refusal, an unreadable scan, the printer): it arrives unannounced,
 * whatever language was chosen, so it is always given in Vietnamese first and English second, like the attract
 * screen. The alert's accessible name is both sentences.
 */
function Bilingual({
  role,
  vi: viText,
  en: enText,
  children,
}: {
  role: 'alert' | 'status';
  vi: string;
  en: string;
  children?: React.ReactNode;
}) {
  const id = useId();
  const labelledBy = `${id}-vi ${id}-en`;
  const body = (
    <>
      <p id={`${id}-vi`} lang="vi" className="device-message-vi">
        {viText}
      </p>
      <p id={`${id}-en`} lang="en" className="device-message-en">
        {enText}
      </p>
      {children}
    </>
  );
  return role === 'alert' ? (
    <div role="alert" aria-labelledby={labelledBy} className="device-message is-alert">
      {body}
    </div>
  ) : (
    <div role="status" aria-labelledby={labelledBy} className="device-message is-status">
      {body}
    </div>
  );
}

/** A refusal or an unreadable scan: a big OK button, and it goes away by itself after `dismissMs`. */
export function DeviceNotice({ notice, dismissMs, onDismiss }: { notice: KioskNotice; dismissMs: number; onDismiss(): void }) {
  useEffect(() => {
    const timer = setTimeout(onDismiss, dismissMs);
    return () => clearTimeout(timer);
  }, [onDismiss, dismissMs]);
  return (
    <div className="device-notice">
      <Bilingual role="alert" vi={vi.notices[notice.kind]} en={en.notices[notice.kind]}>
        <button type="button" className="primary big" onClick={onDismiss}>
          {vi.gotIt} <span lang="en">· {en.gotIt}</span>
        </button>
      </Bilingual>
    </div>
  );
}

/**
 * Under the enrolment confirmation: the receipt is printing, or it could not print — then the enrolment is still
 * saved, the reference to write down is shown large, and the receipt can be printed again once staff refill it.
 */
export function ReceiptPanel({ api, enrolmentKey, outcome: first }: { api: KioskApi; enrolmentKey: string; outcome: ReceiptOutcome }) {
  const [outcome, setOutcome] = useState(first);
  const [reprinted, setReprinted] = useState(false);
  const [busy, setBusy] = useState(false);
  const reference = enrolmentReference(enrolmentKey);
  if (outcome.printed)
    return reprinted ? (
      <Bilingual role="status" vi={vi.receiptReprinted} en={en.receiptReprinted} />
    ) : (
      <Bilingual role="status" vi={vi.receiptPrinting} en={en.receiptPrinting} />
    );
  const reprint = async () => {
    if (busy) return;
    setBusy(true);
    try {
      const next = await api.reprintReceipt(enrolmentKey);
      setReprinted(next.printed);
      setOutcome(next);
    } catch {
      setOutcome({ printed: false, problem: 'failed' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Bilingual
      role="alert"
      vi={`${vi.receiptProblem[outcome.problem]} ${vi.receiptSaved}`}
      en={`${en.receiptProblem[outcome.problem]} ${en.receiptSaved}`}
    >
      <p className="reference">
        <span>
          {vi.reference} <span lang="en">· {en.reference}</span>
        </span>
        <strong>{reference}</strong>
      </p>
      <p lang="vi">{vi.writeDown}</p>
      <p lang="en" className="device-message-en">
        {en.writeDown}
      </p>
      <button type="button" className="big" disabled={busy} onClick={() => void reprint()}>
        {vi.reprint} <span lang="en">· {en.reprint}</span>
      </button>
    </Bilingual>
  );
}
