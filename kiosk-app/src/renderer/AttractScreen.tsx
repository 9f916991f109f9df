/** The screen a passer-by sees; the citizen flows arrive with the kiosk citizen-experience issue. */
export function AttractScreen() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', textAlign: 'center', padding: '10vh 2rem', fontSize: '1.6rem' }}>
      <h1>Trung tâm học tập cộng đồng</h1>
      <p>Cần gì học nấy — chạm vào màn hình để bắt đầu.</p>
      <p lang="en" style={{ color: '#555' }}>
        Learn what you need — touch the screen to start.
      </p>
    </main>
  );
}
