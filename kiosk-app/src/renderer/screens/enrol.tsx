import { useEffect, useRef, useState } from 'react';
import type { QrMatrix, ReceiptOutcome } from '../../shared/kiosk-api.js';
import type { SessionContext } from '../App.js';
import { ReceiptPanel } from '../DeviceMessages.js';
import { Keyboard } from '../Keyboard.js';
import { newKey } from '../keys.js';

type Field = 'fullName' | 'phone';

/**
 * The enrolment form: name by the on-screen keyboard (Telex/VNI) or prefilled from a CCCD QR scan, phone by the
 * number pad, explicit consent. The idempotency key is made once per form, so a double tap on "Gửi đăng ký"
 * (or a retry) is one enrolment. The alternative: a QR to finish on the citizen's own phone.
 */
export function EnrolScreen({ context, id }: { context: SessionContext; id: string }) {
  const { t, api, courseById, scan, go } = context;
  const course = courseById(id);
  const [fullName, setFullName] = useState('');
  const [phone, setPhone] = useState('');
  const [cccd, setCccd] = useState<{ number: string; dateOfBirth: string } | undefined>();
  const [consent, setConsent] = useState(false);
  const [focus, setFocus] = useState<Field>('fullName');
  const [problem, setProblem] = useState<string | undefined>();
  const [sent, setSent] = useState<'delivered' | 'queued' | undefined>();
  // Present when the kiosk has a receipt printer: whether the confirmation came out.
  const [receipt, setReceipt] = useState<ReceiptOutcome | undefined>();
  const [busy, setBusy] = useState(false);
  const [qr, setQr] = useState<QrMatrix | undefined>();
  const key = useRef(newKey('enrol'));
  const seenScan = useRef(scan);

  useEffect(() => {
    if (scan === seenScan.current) return;
    seenScan.current = scan;
    if (scan?.kind === 'cccd') {
      setFullName(scan.data.fullName);
      setCccd({ number: scan.data.number, dateOfBirth: scan.data.dateOfBirth });
      setProblem(undefined);
    }
  }, [scan]);

  if (!course) return <p role="alert">{t.error}</p>;
  if (sent)
    return (
      <section>
        <h1>{t.enrolTitle(course.title)}</h1>
        <p role="status" className="success">
          {sent === 'delivered' ? t.enrolDone : t.enrolQueued}
        </p>
        {receipt && <ReceiptPanel api={api} enrolmentKey={key.current} outcome={receipt} />}
        <button type="button" className="primary" onClick={() => go({ name: 'home' })}>
          {t.done}
        </button>
      </section>
    );

  const submit = async () => {
    if (busy) return;
    if (fullName.trim() === '') return setProblem(t.needName);
    if (!/^0\d{9,10}$/.test(phone)) return setProblem(t.needPhone);
    if (!consent) return setProblem(t.needConsent);
    setBusy(true);
    setProblem(undefined);
    try {
      const result = await api.submit({
        kind: 'enrolment',
        key: key.current,
        data: {
          courseId: course.id,
          fullName: fullName.trim(),
          phone,
          consent: true,
          ...(cccd ? { cccdNumber: cccd.number, dateOfBirth: cccd.dateOfBirth } : {}),
        },
      });
      if (result.ok) {
        setReceipt(result.receipt);
        setSent(result.delivered ? 'delivered' : 'queued');
      } else setProblem(result.field === 'phone' ? t.needPhone : result.field === 'fullName' ? t.needName : t.error);
    } catch {
      setProblem(t.error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>{t.enrolTitle(course.title)}</h1>
      <p className="hint">{t.scanHint}</p>
      {cccd && (
        <p role="status" className="success">
          {t.scanFilled}
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          {t.fullName}
          <input
            inputMode="none"
            value={fullName}
            onFocus={() => setFocus('fullName')}
            onChange={(e) => setFullName(e.target.value)}
            maxLength={100}
            autoComplete="off"
          />
        </label>
        <label className="field">
          {t.phone}
          <input
            inputMode="none"
            value={phone}
            onFocus={() => setFocus('phone')}
            onChange={(e) => setPhone(e.target.value.replace(/\D/g, ''))}
            maxLength={11}
            autoComplete="off"
          />
        </label>
        {cccd && (
          <p className="meta">
            {t.cccdNumber}: {cccd.number.slice(0, 3)}******{cccd.number.slice(-3)}
          </p>
        )}
        {focus === 'fullName' ? (
          <Keyboard value={fullName} onChange={(value) => setFullName(value.slice(0, 100))} t={t} target={t.fullName} />
        ) : (
          <Keyboard
            value={phone}
            onChange={(value) => setPhone(value.replace(/\D/g, '').slice(0, 11))}
            t={t}
            mode="numeric"
            target={t.phone}
          />
        )}
        <label className="check">
          <input
            type="checkbox"
            checked={consent}
            onChange={(e) => {
              setConsent(e.target.checked);
              setProblem(undefined);
            }}
          />
          {t.consent}
        </label>
        {problem && (
          <p role="alert" className="notice">
            {problem}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {t.submitEnrol}
          </button>
          <button type="button" onClick={() => api.handoffQr(course.id).then(setQr, () => setProblem(t.error))}>
            {t.phoneHandoff}
          </button>
        </div>
      </form>
      {qr && (
        <figure className="qr">
          <QrCode matrix={qr} label={t.handoffQr} />
          <figcaption>{t.handoffHint}</figcaption>
        </figure>
      )}
    </section>
  );
}

/** Draws a QR matrix as one SVG path (with the 4-module quiet zone scanners need). */
function QrCode({ matrix, label }: { matrix: QrMatrix; label: string }) {
  const quiet = 4;
  let path = '';
  matrix.rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x++) if (row[x] === '1') path += `M${x + quiet} ${y + quiet}h1v1h-1z`;
  });
  const size = matrix.size + 2 * quiet;
  return (
    <svg role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} shapeRendering="crispEdges">
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}
