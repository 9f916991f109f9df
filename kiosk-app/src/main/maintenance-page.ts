/**
 * The maintenance screen shown after repeated renderer crashes: a self-contained page (no bundle, no script)
 * loaded by main, in Vietnamese with English below.
 */
export function maintenancePageUrl(version: string): string {
  const html = `<!doctype html><html lang="vi"><meta charset="utf-8"><title>Bảo trì</title>
<body style="font-family:sans-serif;display:flex;align-items:center;justify-content:center;height:100vh;margin:0;background:#f4f6f8;color:#1b2b3a;text-align:center">
<div><h1>Kiosk đang bảo trì</h1><p>Xin lỗi vì sự bất tiện. Vui lòng liên hệ cán bộ tại quầy để được hỗ trợ.</p>
<p lang="en" style="color:#56697a">This kiosk is under maintenance. Please ask the staff at the desk.</p>
<p style="color:#8a99a6;font-size:12px">LopHoc kiosk ${version.replace(/[^0-9A-Za-z.+-]/g, '')}</p></div></body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}
