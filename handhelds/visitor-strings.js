// The visitor page's own wording in each language. Queue labels, procedure names, floors and
// counter numbers come from the server's visitor view (config is their one source).
export const LANGUAGE_NAMES = { ja: "日本語", en: "English", zh: "中文", ko: "한국어", vi: "Tiếng Việt" };

export const STRINGS = {
  title: { ja: "受付番号のご案内", en: "Your ticket", zh: "您的号码", ko: "번호표 안내", vi: "Số thứ tự của bạn" },
  language: { ja: "言語", en: "Language", zh: "语言", ko: "언어", vi: "Ngôn ngữ" },
  number: { ja: "受付番号", en: "Your number", zh: "您的号码", ko: "접수 번호", vi: "Số của bạn" },
  live: { ja: "自動で更新しています", en: "Updates automatically", zh: "自动更新", ko: "자동 업데이트 중", vi: "Tự động cập nhật" },
  reconnecting: { ja: "接続を回復しています…", en: "Reconnecting…", zh: "正在重新连接…", ko: "다시 연결하는 중…", vi: "Đang kết nối lại…" },
  loading: { ja: "読み込み中…", en: "Loading…", zh: "加载中…", ko: "불러오는 중…", vi: "Đang tải…" },
  status: {
    writing: { ja: "申請書の記入をお願いします", en: "Please fill in your forms", zh: "请填写申请表", ko: "신청서를 작성해 주세요", vi: "Vui lòng điền đơn" },
    waiting: { ja: "順番をお待ちください", en: "Please wait for your turn", zh: "请等候叫号", ko: "순서를 기다려 주세요", vi: "Vui lòng chờ đến lượt" },
    called: { ja: "お呼び出しです", en: "You are being called", zh: "正在呼叫您", ko: "호출되었습니다", vi: "Đã đến lượt bạn" },
    serving: { ja: "手続き中です", en: "At the counter", zh: "正在办理", ko: "처리 중입니다", vi: "Đang được phục vụ" },
    parked: { ja: "一時保留中です", en: "On hold", zh: "暂时保留", ko: "일시 보류 중", vi: "Tạm dừng" },
    done: { ja: "すべての手続きが終わりました", en: "All done", zh: "所有手续已办完", ko: "모든 절차가 끝났습니다", vi: "Đã xong tất cả" },
    cancelled: { ja: "この番号札は終了しました", en: "This ticket has ended", zh: "此号码已结束", ko: "이 번호표는 종료되었습니다", vi: "Số này đã kết thúc" },
    no_show: { ja: "この番号札は終了しました", en: "This ticket has ended", zh: "此号码已结束", ko: "이 번호표는 종료되었습니다", vi: "Số này đã kết thúc" },
    expired: { ja: "この番号札は本日の受付を終了しました", en: "This ticket has expired", zh: "此号码已过期", ko: "이 번호표는 만료되었습니다", vi: "Số này đã hết hạn" },
  },
  detail: {
    writing: { ja: "記入が終わると順番待ちに入ります。分からない点は案内係におたずねください。", en: "You join the queue once your forms are done. Ask a floor guide if anything is unclear.", zh: "填写完毕后开始排队。如有疑问请询问引导员。", ko: "작성이 끝나면 대기 순서에 들어갑니다. 궁금한 점은 안내 직원에게 문의하세요.", vi: "Bạn sẽ vào hàng chờ khi điền xong. Hãy hỏi nhân viên hướng dẫn nếu cần." },
    parked: { ja: "準備ができたら窓口の職員にお声がけください。", en: "Tell the counter staff when you are ready.", zh: "准备好后请告知窗口工作人员。", ko: "준비가 되면 창구 직원에게 말씀해 주세요.", vi: "Hãy báo nhân viên quầy khi bạn sẵn sàng." },
    done: { ja: "お疲れさまでした。お気をつけてお帰りください。", en: "Thank you for your visit.", zh: "感谢您的来访。", ko: "방문해 주셔서 감사합니다.", vi: "Cảm ơn bạn đã đến." },
    ended: { ja: "ご不明な点は案内係におたずねください。", en: "Please ask a floor guide if you need help.", zh: "如需帮助请询问引导员。", ko: "도움이 필요하면 안내 직원에게 문의하세요.", vi: "Hãy hỏi nhân viên hướng dẫn nếu cần giúp." },
  },
  ahead: { ja: "あなたの前に {n}人", en: "{n} ahead of you", zh: "您前面还有 {n} 人", ko: "앞에 {n}명", vi: "{n} người trước bạn" },
  next: { ja: "次にお呼びします", en: "You are next", zh: "下一位就是您", ko: "다음 순서입니다", vi: "Bạn là người tiếp theo" },
  wait: { ja: "待ち時間の目安 約{n}分", en: "Estimated wait: about {n} min", zh: "预计等候约 {n} 分钟", ko: "예상 대기 약 {n}분", vi: "Thời gian chờ khoảng {n} phút" },
  soon: { ja: "まもなくお呼びします", en: "You will be called soon", zh: "即将叫到您", ko: "곧 호출됩니다", vi: "Sắp đến lượt bạn" },
  noCounter: { ja: "窓口の開始をお待ちください", en: "Waiting for a counter to open", zh: "请等候窗口开放", ko: "창구가 열리기를 기다려 주세요", vi: "Đang chờ quầy mở" },
  whereNow: { ja: "今いく場所", en: "Where to go now", zh: "现在请前往", ko: "지금 가실 곳", vi: "Nơi cần đến bây giờ" },
  goCounter: { ja: "{n}番窓口へお越しください", en: "Please go to counter {n}", zh: "请前往{n}号窗口", ko: "{n}번 창구로 와 주세요", vi: "Vui lòng đến quầy {n}" },
  atCounter: { ja: "{n}番窓口", en: "Counter {n}", zh: "{n}号窗口", ko: "{n}번 창구", vi: "Quầy {n}" },
  waitArea: { ja: "「{q}」の待合でお待ちください", en: "Wait in the {q} waiting area", zh: "请在「{q}」等候区等候", ko: "'{q}' 대기 공간에서 기다려 주세요", vi: "Chờ tại khu vực {q}" },
  floor: { ja: "{f}", en: "Floor {f}", zh: "{f}", ko: "{f}", vi: "Tầng {f}" },
  steps: { ja: "本日の手続きの流れ", en: "Your visit today", zh: "今天的办理流程", ko: "오늘의 절차", vi: "Các bước hôm nay" },
  stepStatus: {
    pending: { ja: "このあと", en: "Later", zh: "稍后", ko: "이후", vi: "Sau" },
    waiting: { ja: "待ち", en: "Waiting", zh: "等候中", ko: "대기 중", vi: "Đang chờ" },
    called: { ja: "お呼び出し中", en: "Called", zh: "呼叫中", ko: "호출 중", vi: "Đang gọi" },
    serving: { ja: "手続き中", en: "In progress", zh: "办理中", ko: "처리 중", vi: "Đang làm" },
    parked: { ja: "保留中", en: "On hold", zh: "保留", ko: "보류", vi: "Tạm dừng" },
    done: { ja: "完了", en: "Done", zh: "完成", ko: "완료", vi: "Xong" },
    cancelled: { ja: "中止", en: "Cancelled", zh: "取消", ko: "취소", vi: "Đã hủy" },
  },
  procDone: { ja: "済", en: "done", zh: "已办", ko: "완료", vi: "xong" },
  procTodo: { ja: "未", en: "to do", zh: "未办", ko: "미완료", vi: "chưa" },
  // Why a step comes where it does: the notifications it waits for (the plan's reason).
  afterAccepted: { ja: "{list}の受理後", en: "After the {list} is accepted", zh: "{list}受理后", ko: "{list} 접수 후", vi: "Sau khi {list} được tiếp nhận" },
  expiredTitle: { ja: "この番号札のリンクは有効期限が切れました", en: "This ticket link has expired", zh: "此号码链接已失效", ko: "이 번호표 링크는 만료되었습니다", vi: "Liên kết số thứ tự này đã hết hạn" },
  expiredText: { ja: "リンクは発行日の閉庁時まで有効です。新しい番号札は案内係にお申し出ください。", en: "Links work until the office closes on the day they are issued. Ask a floor guide for a new ticket.", zh: "链接仅在发放当天办公结束前有效。如需新号码请询问引导员。", ko: "링크는 발급 당일 업무 종료 시까지 유효합니다. 새 번호표는 안내 직원에게 문의하세요.", vi: "Liên kết chỉ dùng được trong ngày cấp. Hãy hỏi nhân viên hướng dẫn để lấy số mới." },
  privacy: { ja: "この画面には、あなたの番号札の情報だけが表示されます。本日の閉庁まで有効です。", en: "This page shows only your own ticket. It works until the office closes today.", zh: "此页面只显示您自己的号码信息，当天办公结束前有效。", ko: "이 화면에는 본인 번호표 정보만 표시됩니다. 오늘 업무 종료 시까지 유효합니다.", vi: "Trang này chỉ hiện thông tin số của bạn, có hiệu lực đến hết giờ làm việc hôm nay." },
  calledTitle: { ja: "【お呼び出し】{t} → {n}番窓口", en: "[Called] {t} → counter {n}", zh: "【呼叫】{t} → {n}号窗口", ko: "[호출] {t} → {n}번 창구", vi: "[Gọi] {t} → quầy {n}" },
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
