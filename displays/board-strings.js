// The board's own headings in each language it may rotate through. Everything about the
// office (queue labels, wait bands, notices, the spoken call) comes from config via the view.
export const STRINGS = {
  now: { ja: "お呼び出し中", en: "Now calling", zh: "正在呼叫", ko: "호출 중", vi: "Đang gọi số" },
  recent: { ja: "これまでの呼び出し", en: "Recent calls", zh: "已呼叫", ko: "최근 호출", vi: "Số đã gọi" },
  waiting: { ja: "待ち状況", en: "Waiting", zh: "等候情况", ko: "대기 현황", vi: "Tình trạng chờ" },
  category: { ja: "受付", en: "Category", zh: "类别", ko: "분류", vi: "Loại" },
  people: { ja: "待ち人数", en: "Waiting", zh: "等候人数", ko: "대기 인원", vi: "Số người chờ" },
  wait: { ja: "待ち時間の目安", en: "Estimated wait", zh: "预计等候", ko: "예상 대기", vi: "Thời gian chờ" },
  persons: { ja: "{n}人", en: "{n}", zh: "{n}人", ko: "{n}명", vi: "{n}" },
  notOpen: { ja: "受付準備中", en: "Not open yet", zh: "尚未开放", ko: "준비 중", vi: "Chưa mở" },
  before_open: { ja: "開庁前", en: "Before opening hours", zh: "尚未开门", ko: "개청 전", vi: "Chưa đến giờ làm việc" },
  after_close: { ja: "本日の受付は終了しました", en: "Reception has closed for today", zh: "今日受理已结束", ko: "오늘 접수는 종료되었습니다", vi: "Đã hết giờ tiếp nhận hôm nay" },
  counter: { ja: "{n}番窓口", en: "Counter {n}", zh: "{n}号窗口", ko: "{n}번 창구", vi: "Quầy {n}" },
  floor: { ja: "{f}", en: "{f}", zh: "{f}", ko: "{f}", vi: "{f}" },
  recall: { ja: "再呼出", en: "Recall", zh: "再次呼叫", ko: "재호출", vi: "Gọi lại" },
  fresh: { ja: "お呼び出し", en: "Calling", zh: "呼叫", ko: "호출", vi: "Đang gọi" },
  none: { ja: "現在お呼び出しはありません", en: "No calls yet", zh: "暂无呼叫", ko: "호출 없음", vi: "Chưa có số gọi" },
  reconnecting: { ja: "再接続中", en: "Reconnecting", zh: "正在重新连接", ko: "재연결 중", vi: "Đang kết nối lại" },
  soundOff: { ja: "音声を有効にする", en: "Enable sound", zh: "启用声音", ko: "소리 켜기", vi: "Bật âm thanh" },
  notEnrolled: {
    ja: "この表示端末は登録されていません。管理者の登録用リンク（?device=…）で開いてください。",
    en: "This display is not enrolled. Open it with the enrolment link (?device=…) from an administrator.",
  },
};

/** A string (or config Text) in `lang`, falling back to English then Japanese. */
export function pick(text, lang) {
  if (!text) return "";
  if (typeof text === "string") return text;
  return text[lang] || text.en || text.ja || "";
}

/** Fill `{name}` placeholders. */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
