/** The screen a passer-by sees; a touch anywhere starts a session. Bilingual, because nobody has chosen yet. */
export function AttractScreen({ onStart }: { onStart(): void }) {
  return (
    <main className="attract">
      <h1>Trung tâm học tập cộng đồng</h1>
      <p>Cần gì học nấy — tìm khóa học, đăng ký, tra cứu thủ tục và hồ sơ.</p>
      <p lang="en" className="secondary">
        Learn what you need — courses, enrolment, procedures and dossier status.
      </p>
      <button type="button" className="primary start" onClick={onStart}>
        Chạm để bắt đầu <span lang="en">· Touch to start</span>
      </button>
    </main>
  );
}
