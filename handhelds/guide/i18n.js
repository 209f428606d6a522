// The guide app's own words (buttons, headings, statuses) in Japanese and English.
// Office content (life events, questions, procedures, documents, labels) never lives here:
// it comes from config/ through the catalog and the views, and `text()` picks its language.

import { pick, translator } from "/static/i18n.js";
import { local } from "/static/storage.js";

const UI = {
  app_title: { ja: "フロア案内", en: "Floor guide" },
  tab_intake: { ja: "受付", en: "Intake" },
  tab_visits: { ja: "本日の来庁者", en: "Today's visits" },
  lang_toggle: { ja: "English", en: "日本語" },
  lang_toggle_label: { ja: "英語に切り替え", en: "Switch to Japanese" },
  menu: { ja: "メニュー", en: "Menu" },
  sign_out: { ja: "サインアウト", en: "Sign out" },
  sign_in_again: { ja: "サインインし直す", en: "Sign in again" },
  sign_out_pending: {
    ja: "未送信の操作が {n} 件あります。この端末に残り、次にサインインしたときに送信されます。サインアウトしますか？",
    en: "{n} action(s) are not sent yet. They stay on this phone and are sent at the next sign-in. Sign out?",
  },
  switch_site: { ja: "庁舎を切り替え", en: "Switch office" },
  signed_in_as: { ja: "サインイン中", en: "Signed in" },
  offline_ready: { ja: "オフラインでも起動できます", en: "Works offline" },
  offline_not_ready: { ja: "オフライン準備中…", en: "Preparing offline use…" },
  conn_live: { ja: "接続中", en: "Online" },
  conn_connecting: { ja: "接続しています…", en: "Connecting…" },
  conn_reconnecting: { ja: "再接続中…", en: "Reconnecting…" },
  conn_offline: { ja: "オフライン", en: "Offline" },
  conn_stale: { ja: "更新が遅れています", en: "Updates delayed" },
  outbox: { ja: "送信待ち {n}", en: "{n} to send" },
  outbox_title: { ja: "送信待ちの操作", en: "Actions waiting to be sent" },
  new_version: { ja: "新しいバージョンがあります。", en: "A new version is available." },
  reload: { ja: "再読み込み", en: "Reload" },
  loading: { ja: "読み込み中…", en: "Loading…" },
  load_failed: {
    ja: "受付データを読み込めません。接続を確認して再読み込みしてください。",
    en: "Could not load the office data. Check the connection and reload.",
  },

  // wizard
  step_events: { ja: "用件", en: "Purpose" },
  step_questions: { ja: "質問", en: "Questions" },
  step_visitor: { ja: "来庁者", en: "Visitor" },
  step_plan: { ja: "案内内容", en: "Itinerary" },
  step_forms: { ja: "書類", en: "Forms" },
  step_of: { ja: "{i} / {n}", en: "{i} of {n}" },
  events_heading: { ja: "今日のご用件は？（複数選択可）", en: "What brings the visitor today? (choose any)" },
  extra_heading: { ja: "手続きを直接追加", en: "Add a procedure directly" },
  extra_add: { ja: "追加", en: "Add" },
  extra_choose: { ja: "手続きを選択…", en: "Choose a procedure…" },
  remove: { ja: "削除", en: "Remove" },
  questions_heading: { ja: "確認すること", en: "Questions to ask" },
  questions_none: { ja: "この用件で確認することはありません。", en: "Nothing to ask for this purpose." },
  questions_offline: {
    ja: "オフラインのため、用件の質問をすべて表示しています（該当しないものは空欄のままで構いません）。",
    en: "Offline: every question of the chosen purposes is shown (leave the ones that do not apply).",
  },
  yes: { ja: "はい", en: "Yes" },
  no: { ja: "いいえ", en: "No" },
  fewer: { ja: "減らす", en: "Fewer" },
  more: { ja: "増やす", en: "More" },
  visitor_heading: { ja: "来庁者について", en: "About the visitor" },
  party_size: { ja: "来庁人数", en: "People in the party" },
  language: { ja: "対応言語", en: "Language" },
  needs: { ja: "配慮が必要なこと", en: "Accessibility needs" },
  interpreter: { ja: "通訳の言語", en: "Interpreter language" },
  interpreter_none: { ja: "選択してください", en: "Choose" },
  note: { ja: "職員メモ（来庁者には表示されません）", en: "Staff note (never shown to the visitor)" },
  note_hint: { ja: "担当窓口への申し送り", en: "Handover for the counters" },
  back: { ja: "戻る", en: "Back" },
  next: { ja: "次へ", en: "Next" },
  start_over: { ja: "最初から", en: "Start over" },
  start_over_confirm: { ja: "入力中の受付を破棄しますか？", en: "Discard this intake?" },
  choose_event_first: { ja: "用件を選んでください", en: "Choose a purpose first" },

  // preview
  preview_summary: { ja: "手続き{p}件・{s}か所", en: "{p} proc. · {s} stops" },
  preview_summary_missing: { ja: "不足書類{n}", en: "{n} missing" },
  preview_loading: { ja: "案内内容を計算中…", en: "Working out the itinerary…" },
  preview_offline: {
    ja: "オフラインのため案内内容を表示できません。発券は接続が戻ってから確定します。",
    en: "Offline: the itinerary cannot be shown. The ticket is confirmed when the connection returns.",
  },
  preview_empty: { ja: "用件を選ぶと案内内容が表示されます。", en: "Choose a purpose to see the itinerary." },
  itinerary: { ja: "回る順番", en: "Where to go, in order" },
  counters_at: { ja: "窓口 {list}", en: "Counter {list}" },
  consultation: { ja: "相談", en: "Consultation" },
  deadline: { ja: "期限", en: "Deadline" },
  documents: { ja: "持ち物", en: "Documents to bring" },
  doc_have: { ja: "持参済み", en: "In hand" },
  office_before_open: { ja: "開庁前です", en: "The office is not open yet" },
  office_before_open_body: {
    ja: "窓口の受付は{open}からです。番号札は発行できますが、お呼び出しは{open}以降になることを来庁者にお伝えください。",
    en: "Counters open at {open}. A ticket can be issued, but tell the visitor calls start from {open}.",
  },
  office_after_close: { ja: "本日の受付は終了しました", en: "Reception has closed for today" },
  office_after_close_body: {
    ja: "受付時間は{close}までです。発券する前に、本日は窓口で対応できない場合があることを来庁者にお伝えください。",
    en: "Reception closes at {close}. Before issuing, tell the visitor the counters may not serve them today.",
  },
  come_back: { ja: "待ち時間が長くなっています（約{wait}分）", en: "The wait is long now (about {wait} min)" },
  come_back_body: {
    ja: "お急ぎでなければ、空いている時間帯にお越しいただくこともできます（過去の実績からの目安）：",
    en: "If it is not urgent, the visitor could come back at a usually quiet hour (forecast from past days):",
  },
  come_back_slot: { ja: "{day} {hour}時台", en: "{day}, {hour}:00–{hour}:59" },
  come_back_wait: { ja: "待ち 約{wait}分", en: "about {wait} min wait" },
  today: { ja: "本日", en: "Today" },
  doc_have_by: { ja: "持参済み（{doc}で可）", en: "In hand ({doc} will do)" },
  after_accepted: { ja: "{list}の受理後", en: "After the {list} is accepted" },
  doc_missing: { ja: "要持参・不足", en: "Missing / bring" },
  doc_for: { ja: "対象: {list}", en: "For: {list}" },
  forms: { ja: "記入する書類", en: "Forms to fill in" },
  self_service: { ja: "窓口に並ばずにできること", en: "Can be done without queueing" },
  self_service_possible: { ja: "条件が合えばセルフサービスも可", en: "Self-service possible if…" },
  self_service_only: {
    ja: "窓口に並ぶ必要はありません",
    en: "No need to queue",
  },
  self_service_only_body: {
    ja: "ご用件はすべてセルフサービスでできます。番号札は発行しません。",
    en: "Everything can be done by self-service. No ticket is issued.",
  },
  hours: { ja: "利用時間 {h}", en: "Hours {h}" },
  no_visit: { ja: "来庁不要", en: "No visit needed" },
  nothing_to_queue: {
    ja: "窓口での手続きはありません。番号札は発行しません。",
    en: "No counter procedure is needed. No ticket is issued.",
  },
  advice: { ja: "ご案内", en: "Advice" },
  record_deflection: { ja: "セルフサービスを案内した（発券しない）", en: "Self-service explained (no ticket)" },
  record_no_visit: { ja: "来庁不要を案内した（発券しない）", en: "Explained: no visit needed (no ticket)" },
  override: { ja: "それでも窓口で手続きする（発券）", en: "Use the counter anyway (issue a ticket)" },
  override_on: {
    ja: "セルフサービスではなく窓口で手続きします。",
    en: "The counter will do what self-service could.",
  },
  override_off: { ja: "セルフサービスの案内に戻す", en: "Back to self-service advice" },
  deflected: { ja: "セルフサービスを案内しました（記録済み）", en: "Self-service advice recorded" },
  slip_heading: { ja: "来庁者に渡す案内票", en: "Slip for the visitor" },
  slip_open: { ja: "案内票を開く", en: "Open the slip" },
  slip_print: { ja: "案内票を印刷", en: "Print the slip" },
  slip_qr: { ja: "読み取ると来庁者のスマートフォンに案内票が開きます", en: "Scanning opens the slip on the visitor's phone" },
  deflected_pending: { ja: "記録は接続が戻ると送信されます", en: "Sent when the connection returns" },

  // forms
  forms_heading: { ja: "書類の記入", en: "Forms" },
  forms_help: {
    ja: "記入が済んだ書類にチェックしてください。残りは記載台で記入してから待合へ案内します。",
    en: "Tick the forms already filled in. The rest are filled in at the writing desk before queueing.",
  },
  form_done: { ja: "記入済み", en: "Filled in" },
  all_forms_done: { ja: "すべて記入済み", en: "All filled in" },
  issue: { ja: "番号札を発行", en: "Issue ticket" },
  issue_writing: { ja: "記載台へ案内して発行", en: "Issue, send to the writing desk" },
  save_changes: { ja: "変更を保存", en: "Save changes" },
  editing: { ja: "{ticket}の受付内容を変更中", en: "Editing {ticket}" },
  cancel_edit: { ja: "変更をやめる", en: "Stop editing" },
  saved: { ja: "{ticket}の受付内容を変更しました", en: "{ticket} updated" },

  // ticket
  ticket_heading: { ja: "番号札", en: "Ticket" },
  ticket_number: { ja: "受付番号", en: "Ticket number" },
  ticket_pending: { ja: "送信待ち", en: "Waiting to send" },
  ticket_pending_body: {
    ja: "接続が戻ると番号が確定します。この画面のままお待ちください（再読み込みしても消えません）。",
    en: "The number is assigned when the connection returns. It survives a reload.",
  },
  ticket_sent: { ja: "送信済み・確認待ち", en: "Sent, waiting for confirmation" },
  offline_issue_heading: { ja: "オフラインで発券", en: "Issue offline" },
  offline_choose_queue: {
    ja: "接続がありません。最初に行く窓口を選ぶと、この端末の予備の番号ですぐに発券します。",
    en: "No connection. Choose where the visitor goes first: a number reserved for this phone is issued at once.",
  },
  lease_left: { ja: "（予備 {n}）", en: "({n} reserved)" },
  leased_note: {
    ja: "オフラインで発券しました。この番号とQRコードは有効です。接続が戻ると登録され、来庁者ページも表示されます。",
    en: "Issued offline. This number and QR code are valid; the visit is registered and the visitor page works once the phone is back online.",
  },
  lease_used_up: {
    ja: "この端末の予備の番号（{series}）を使い切りました。番号は接続が戻ると表示されます。来庁者には待合でお待ちいただき、番号が出たらお伝えください。",
    en: "This phone's reserved numbers ({series}) are used up. The number appears once the phone is back online: ask the visitor to wait and tell them then.",
  },
  ticket_refused: { ja: "発行できませんでした", en: "Could not issue" },
  go_first: { ja: "まず{place}へ", en: "First: {place}" },
  go_writing: {
    ja: "記載台で書類を記入してから、{place}の待合へ",
    en: "Fill in the forms at the writing desk, then wait at {place}",
  },
  qr_caption: {
    ja: "スマートフォンで読み取ると、呼び出し状況を確認できます",
    en: "Scan to follow your turn on your phone",
  },
  print: { ja: "番号札を印刷", en: "Print ticket" },
  print_receipt: { ja: "レシート幅で印刷", en: "Print (receipt width)" },
  print_on: { ja: "感熱プリンタ：{name}", en: "Thermal printer: {name}" },
  print_queued: { ja: "{name} に送りました", en: "Sent to {name}" },
  print_fault: {
    ja: "{name} が使えません（印刷待ち）。ブラウザから印刷してください。",
    en: "{name} is not working (ticket waiting). Print from the browser instead.",
  },
  next_visitor: { ja: "次の方の受付", en: "Next visitor" },
  fix_and_retry: { ja: "内容を直す", en: "Fix the intake" },

  // visits
  visits_heading: { ja: "本日の来庁者", en: "Today's visits" },
  search: { ja: "番号で検索", en: "Search by number" },
  filter_open: { ja: "対応中", en: "Open" },
  filter_all: { ja: "すべて", en: "All" },
  no_visits: { ja: "該当する来庁者はいません。", en: "No matching visits." },
  as_of: { ja: "オフライン：{time}時点の表示", en: "Offline: as of {time}" },
  pending_create: { ja: "番号未確定", en: "No number yet" },
  not_sent: { ja: "未送信", en: "Not sent" },
  sent_waiting: { ja: "送信済み・確認待ち", en: "Sent, awaiting reply" },
  priority: { ja: "優先", en: "Priority" },
  protected: { ja: "保護対象", en: "Protected" },
  protected_ticket: { ja: "番号なし・係員が直接お声がけ", en: "No number: staff call the visitor in person" },
  protect_on: { ja: "保護対象として発券（支援措置など）", en: "Issue as protected (support measures etc.)" },
  protect_help: {
    ja: "番号を表示板・音声・公開ページに出さず、担当課と監督者だけが見られます。オンライン時のみ。解除は監督者。",
    en: "The number is never shown or called; only the departments concerned and supervisors see the visit. Online only; only a supervisor can undo it.",
  },
  protect_reason: { ja: "理由（記録のみ・表示しません）", en: "Reason (recorded, never shown)" },
  protected_hint: { ja: "番号・所在は担当課のみ", en: "Number and whereabouts: the departments concerned only" },
  people: { ja: "{n}名", en: "{n} in party" },
  details: { ja: "詳細", en: "Details" },
  close: { ja: "閉じる", en: "Close" },
  steps: { ja: "手続きの進み具合", en: "Progress" },
  done_mark: { ja: "済", en: "done" },
  mark_form: { ja: "記入済みにする", en: "Mark filled" },
  mark_all_forms: { ja: "すべて記入済み → 待合へ", en: "All filled → to the queue" },
  show_ticket: { ja: "番号札を表示", en: "Show ticket" },
  edit_intake: { ja: "受付内容を変更", en: "Edit intake" },
  edit_locked: { ja: "呼び出し後は受付内容を変更できません", en: "The intake cannot change after the first call" },
  cancel_visit: { ja: "受付を取り消す", en: "Cancel visit" },
  cancel_reason: { ja: "取消の理由（任意）", en: "Reason (optional)" },
  cancel_confirm: { ja: "{ticket}を取り消します。よろしいですか？", en: "Cancel {ticket}?" },
  cancel_do: { ja: "取り消す", en: "Cancel visit" },
  cancelled_toast: { ja: "{ticket}を取り消しました", en: "{ticket} cancelled" },
  events_label: { ja: "用件", en: "Purpose" },
  issued_at: { ja: "受付時刻", en: "Issued at" },
  refused: { ja: "送信できませんでした: {msg}", en: "Refused: {msg}" },
  retrying: { ja: "サーバーが応答しません。自動で再送します。", en: "Server busy; retrying automatically." },

  // where the visitor is now
  where_writing: { ja: "記載台で記入中", en: "At the writing desk" },
  where_waiting: { ja: "{queue}で待ち", en: "Waiting: {queue}" },
  where_waiting_pos: { ja: "{queue}で待ち（{n}番目）", en: "Waiting: {queue} (#{n})" },
  where_handed_on: { ja: "次の窓口へ：{queue}で待ち", en: "Handed on: waiting at {queue}" },
  where_called: { ja: "{counter}番窓口に呼出中", en: "Called to counter {counter}" },
  where_serving: { ja: "{counter}番窓口で対応中", en: "At counter {counter}" },
  where_parked: { ja: "一時離席（書類の準備など）", en: "Stepped aside (fetching documents)" },
  where_out: { ja: "外出中：{queue}（{time}に戻る）", en: "Stepped out of {queue} (back by {time})" },
  where_done: { ja: "完了", en: "Done" },
  where_cancelled: { ja: "取消", en: "Cancelled" },
  where_no_show: { ja: "不在のため終了", en: "Did not come (ended)" },
  where_expired: { ja: "閉庁で終了", en: "Ended at closing" },

  status_writing: { ja: "記入中", en: "Writing" },
  status_waiting: { ja: "待ち", en: "Waiting" },
  status_called: { ja: "呼出中", en: "Called" },
  status_serving: { ja: "対応中", en: "At counter" },
  status_parked: { ja: "離席", en: "Aside" },
  status_out: { ja: "外出中", en: "Out" },
  step_out_time: { ja: "戻る時刻", en: "Back by" },
  step_out_do: { ja: "いったん外出（順番はそのまま）", en: "Step out (keeps their place)" },
  step_back_do: { ja: "戻りました", en: "Back" },
  out_held: { ja: "呼出保留中：すぐ戻るよう案内", en: "Call held: ask them back now" },
  status_done: { ja: "完了", en: "Done" },
  status_cancelled: { ja: "取消", en: "Cancelled" },
  status_no_show: { ja: "不在", en: "No-show" },
  status_expired: { ja: "終了", en: "Ended" },

  step_status_pending: { ja: "これから", en: "Later" },
  step_status_waiting: { ja: "待ち", en: "Waiting" },
  step_status_called: { ja: "呼出中", en: "Called" },
  step_status_serving: { ja: "対応中", en: "Serving" },
  step_status_parked: { ja: "離席", en: "Aside" },
  step_status_done: { ja: "済", en: "Done" },
  step_status_cancelled: { ja: "取消", en: "Cancelled" },

  // stable error codes the guide meets (the server's message is the fallback)
  // bereavement corner (booth mode, issue 22b)
  booth_heading: { ja: "おくやみコーナー", en: "Bereavement corner" },
  booth_help: {
    ja: "ご家族はブースでお待ちいただき、担当課の職員が順にお伺いします。番号でお呼びすることはありません。",
    en: "The family waits at a booth and each department's clerk comes to them in turn. They are never called by number.",
  },
  booth_free: { ja: "空き", en: "Free" },
  booth_in_use: { ja: "ご案内中", en: "In use" },
  booth_held: { ja: "{slot} のご予約", en: "Held for the {slot} booking" },
  booth_booked_today: { ja: "本日ご予約の方", en: "Booked for today" },
  booth_seat_booked: { ja: "ご予約の方をご案内（{slot}・{booth}）", en: "Seat the booked family ({slot}, {booth})" },
  booth_seat_free: { ja: "空いているブースへご案内", en: "Seat at a free booth" },
  booth_none_free: { ja: "空いているブースがありません", en: "No booth is free" },
  booth_book_heading: { ja: "後日のご予約", en: "Book another day" },
  booth_date: { ja: "日付", en: "Date" },
  booth_slot: { ja: "時間", en: "Time" },
  booth_note: { ja: "連絡先など（職員のみ）", en: "Contact (staff only)" },
  booth_note_help: { ja: "お名前は不要です。", en: "No name needed." },
  booth_reserve: { ja: "予約する", en: "Book" },
  booth_reserved: { ja: "{date} {slot} に予約しました", en: "Booked for {date} {slot}" },
  where_booth: { ja: "{booth}でお待ち（担当課の職員を待っています）", en: "At {booth}, waiting for a department" },
  where_booth_serving: { ja: "{booth}で対応中（{counter}番窓口の職員）", en: "At {booth}, with the clerk of counter {counter}" },
  booth_cancel: { ja: "予約を取り消す", en: "Cancel booking" },
  booth_cancel_label: { ja: "{what} の予約を取り消す", en: "Cancel booking {what}" },
  booth_cancel_confirm: { ja: "{what} の予約を取り消しますか？", en: "Cancel the booking for {what}?" },
  booth_cancelled: { ja: "予約を取り消しました", en: "Booking cancelled" },
  booth_go: { ja: "{booth}へご案内ください", en: "Take the family to {booth}" },
  booth_not_called: {
    ja: "この番号でお呼びすることはありません。担当者がブースへ伺います。",
    en: "This number is never called: the clerks come to the booth.",
  },
  err_no_booth_free: { ja: "空いているブースがありません。", en: "No booth is free." },
  err_booth_taken: { ja: "このブースは使用中か、予約で確保されています。", en: "The booth is in use or held for a booking." },
  err_slot_full: { ja: "この時間はすべてのブースが予約済みです。", en: "Every booth is booked for this time." },
  err_booth_not_attended: {
    ja: "ブースに伺わない課の手続きが含まれます。番号札で発券してください。",
    en: "A department of this plan does not come to the booths: issue a ticket instead.",
  },
  err_self_service_available: {
    ja: "すべてセルフサービスでできます。発券するには「それでも窓口で手続きする」を選んでください。",
    en: "Everything can be done by self-service; choose 'use the counter anyway' to issue a ticket.",
  },
  err_no_procedures: { ja: "窓口での手続きがありません。", en: "No counter procedure is needed." },
  err_visit_closed: { ja: "この受付はすでに終了しています。", en: "This visit has already ended." },
  err_already_done: { ja: "すでに処理されています。", en: "Already done." },
  err_forbidden: { ja: "この操作の権限がありません。", en: "Not allowed for your role." },
  err_not_authenticated: { ja: "サインインし直してください。", en: "Please sign in again." },
  err_invalid_intake: { ja: "受付内容に誤りがあります。", en: "The intake is not valid." },
};

const LANG_KEY = "madoguchi-guide-lang";
let current = "ja";
let t = translator(UI, current);

/** The UI language: "ja" or "en" (remembered on this phone). */
export function lang() {
  return current;
}

export function loadLang() {
  return use(local.get(LANG_KEY) === "en" ? "en" : "ja");
}

export function setLang(value) {
  // Private mode: the choice lasts for this page only.
  local.set(LANG_KEY, use(value === "en" ? "en" : "ja"));
}

function use(value) {
  current = value;
  t = translator(UI, current);
  document.documentElement.lang = current;
  return current;
}

/** A UI string with {placeholders} filled in (the one rule of /static/i18n.js). */
export function ui(key, params = {}) {
  return t(key, params);
}

/** A config label ({ja, en, zh, ko, vi}) in the UI language (the rule of /static/i18n.js). */
export function text(label, fallback = "") {
  return pick(label, current) || fallback;
}

/** The message for a refusal: our wording for known codes, else the server's. */
export function errorText(error) {
  const key = `err_${error.code}`;
  return t.has(key) ? ui(key) : error.message || error.code || "error";
}

/** Fill every [data-i18n] element of the static page. */
export function translatePage(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = ui(el.dataset.i18n);
  // Office names rendered by the server in both languages.
  for (const el of root.querySelectorAll("[data-ja][data-en]")) el.textContent = el.dataset[current] || el.dataset.ja;
  for (const el of root.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", ui(el.dataset.i18nLabel));
  }
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.setAttribute("placeholder", ui(el.dataset.i18nPlaceholder));
  }
}

/** HH:MM of a Unix time in the office's time zone. */
export function clock(seconds, timezone) {
  if (!seconds) return "";
  return new Intl.DateTimeFormat("ja-JP", {
    hour: "2-digit",
    minute: "2-digit",
    timeZone: timezone || "Asia/Tokyo",
  }).format(new Date(seconds * 1000));
}
