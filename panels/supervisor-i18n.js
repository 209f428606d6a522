// The supervisor screens' own words (headings, buttons, messages) in Japanese and English.
// Office labels (queues, counters, departments, boards, procedures) come from the catalog.

const STRINGS = {
  title: ["管理者ビュー", "Supervisor"],
  city_title: ["全庁舎の概況", "City overview"],
  report_title: ["日報・集計", "Daily figures"],
  signed_in_as: ["サインイン: {name}", "Signed in: {name}"],
  sign_out: ["サインアウト", "Sign out"],
  lang_toggle: ["English", "日本語"],
  lang_toggle_label: ["表示言語を英語に切り替える", "Switch the display to Japanese"],
  sound_on: ["アラート音: 入", "Alert sound: on"],
  sound_off: ["アラート音: 切", "Alert sound: off"],
  nav_city: ["全庁舎", "All sites"],
  nav_report: ["日報・集計", "Daily figures"],
  nav_live: ["管理者ビュー", "Live view"],
  conn_connecting: ["接続中…", "Connecting…"],
  conn_live: ["オンライン", "Live"],
  conn_stale: ["記録サーバー停止中", "Store unreachable"],
  conn_reconnecting: ["再接続中…", "Reconnecting…"],
  conn_offline: ["オフライン", "Offline"],
  banner_offline: [
    "サーバーとの接続が切れました。自動で再接続しています。再接続するまで操作はできません。",
    "Connection lost. Reconnecting automatically; actions are disabled until it is back.",
  ],
  banner_stale: [
    "サーバーが記録を保存できない状態です。表示が古い可能性があります。",
    "The server cannot reach its store; what you see may be out of date.",
  ],
  version_notice: ["新しい版が公開されました。再読み込みしてください。", "A new version is available: please reload."],

  alerts_h: ["アラート", "Alerts"],
  no_alerts: ["現在アラートはありません", "No alerts"],
  alert_over: [
    "{queue}: 推定待ち {wait}分が基準 {limit}分に達しました（待ち {waiting}人・開設 {open}窓口）",
    "{queue}: estimated wait {wait} min has reached the {limit} min threshold ({waiting} waiting, {open} counter(s) open)",
  ],
  alert_no_counter: [
    "{queue}: {waiting}人お待ちですが、この列を呼ぶ窓口が開いていません",
    "{queue}: {waiting} waiting and no open counter calls this line",
  ],
  alert_hint: ["開けられる窓口: {counters}", "Counters that could open: {counters}"],
  alert_mark: ["警告", "Alert"],

  queues_h: ["待ち行列", "Queues"],
  col_queue: ["列", "Queue"],
  col_waiting: ["待ち", "Waiting"],
  col_longest: ["最長待ち", "Longest wait"],
  col_estimate: ["推定待ち", "Est. wait"],
  col_trend: ["傾向（15分）", "Trend (15 min)"],
  col_open: ["開設窓口", "Open counters"],
  col_threshold: ["アラート基準", "Alert at"],
  col_actions: ["操作", "Actions"],
  persons: ["{n}人", "{n}"],
  minutes: ["{n}分", "{n} min"],
  no_counter: ["窓口なし", "no counter"],
  over_limit: ["基準超過", "over threshold"],
  trend_up: ["↑ 増加 +{n}分", "↑ rising +{n} min"],
  trend_down: ["↓ 減少 −{n}分", "↓ falling −{n} min"],
  trend_steady: ["→ 横ばい", "→ steady"],
  trend_unknown: ["—", "—"],
  threshold_value: ["{n}分", "{n} min"],
  threshold_changed: ["（設定 {n}分）", "(configured {n} min)"],
  a_line: ["列を見る", "View line"],
  a_threshold: ["基準を変更", "Threshold"],

  counters_h: ["窓口", "Counters"],
  col_counter: ["窓口", "Counter"],
  col_department: ["課", "Department"],
  col_status: ["状態", "Status"],
  col_clerk: ["職員", "Clerk"],
  col_serving: ["対応中", "Serving"],
  col_for: ["経過", "For"],
  col_calls_from: ["呼出列", "Calls from"],
  status_open: ["受付中", "Open"],
  status_paused: ["休止中", "Paused"],
  status_closed: ["閉鎖", "Closed"],
  state_called: ["呼出中", "called"],
  state_serving: ["対応中", "serving"],
  idle: ["空き", "idle"],
  idle_for: ["空き {t}", "idle {t}"],
  reassigned: ["変更中", "reassigned"],
  a_open: ["開ける", "Open"],
  a_pause: ["休止", "Pause"],
  a_close: ["閉じる", "Close"],
  a_assign: ["呼出列を変更", "Point at queues"],
  counter_n: ["{n}番", "No. {n}"],

  watch_h: ["要確認の来庁者", "Visitors to check"],
  watch_none: ["いまのところありません", "Nobody right now"],
  watch_parked: ["{ticket} 一時退席中（{t}）", "{ticket} stepped aside ({t})"],
  watch_no_show: ["{ticket} 不在で終了（{at}）", "{ticket} ended as a no-show ({at})"],
  watch_requeued: ["{ticket} 不在後に列へ戻る（{n}回・{t}待ち）", "{ticket} back in line after a no-show ({n}×, waiting {t})"],
  watch_called: ["{ticket} {counter}番で呼出後 {t} 来られていません", "{ticket} called to counter {counter} {t} ago, not there yet"],
  watch_serving: ["{ticket} {counter}番で {t} 対応中（長時間）", "{ticket} at counter {counter} for {t} (long)"],
  a_unpark: ["列に戻す", "Back to line"],
  a_move: ["他の列へ移す", "Move"],

  notices_h: ["表示板へのお知らせ", "Notices on the boards"],
  notice_ja: ["お知らせ（日本語・必須）", "Notice (Japanese, required)"],
  notice_en: ["英語（任意）", "English (optional)"],
  notice_boards: ["表示する表示板", "Show on"],
  notice_all: ["すべての表示板", "All boards"],
  a_post: ["表示板に出す", "Post to boards"],
  a_withdraw: ["取り下げる", "Withdraw"],
  notices_none: ["掲示中のお知らせはありません", "No notice posted"],
  notice_where_all: ["全表示板", "all boards"],
  notice_posted: ["{at} 掲示", "posted {at}"],

  charts_h: ["本日の推移", "Today so far"],
  chart_waiting: ["待ち人数", "Waiting"],
  chart_estimate: ["推定待ち（分）", "Estimated wait (min)"],
  chart_arrivals: ["時間帯別の来庁（発券数）", "Arrivals per hour (tickets)"],
  chart_service: ["手続き別の対応時間（分・推計）", "Service time per procedure (min, estimate)"],
  chart_p50: ["中央値", "median"],
  chart_p90: ["90%値", "90th pct"],
  chart_tickets: ["発券数", "tickets"],
  chart_time: ["時刻", "Time"],
  chart_hour: ["時台", "Hour"],
  chart_procedure: ["手続き", "Procedure"],
  chart_updated: ["{at} 更新", "updated {at}"],
  chart_empty: ["まだデータがありません", "No data yet"],

  dlg_cancel: ["キャンセル", "Cancel"],
  dlg_assign_h: ["{counter} の呼出列", "Queues called at {counter}"],
  dlg_assign_help: ["混雑している列を選ぶと、この窓口から呼び出せます。", "Pick the queues this counter should call from."],
  dlg_assign_configured: ["設定どおり: {queues}", "Configured: {queues}"],
  dlg_assign_save: ["変更する", "Apply"],
  dlg_assign_restore: ["設定どおりに戻す", "Restore configured"],
  dlg_line_h: ["{queue} の待ち列", "Line of {queue}"],
  dlg_line_empty: ["お待ちの方はいません", "Nobody is waiting"],
  dlg_line_waited: ["{t}待ち", "waiting {t}"],
  dlg_priority: ["優先", "priority"],
  dlg_close: ["閉じる", "Close"],
  dlg_move_h: ["{ticket} を他の列へ移す", "Move {ticket} to another queue"],
  dlg_move_help: ["待ち始めた時刻はそのまま、移った先の列で順番が決まります。", "They keep the time they started waiting; their turn in the new line follows from it."],
  dlg_move_target: ["移動先の列", "Move to"],
  dlg_move_submit: ["移す", "Move"],
  dlg_threshold_h: ["{queue} のアラート基準", "Alert threshold of {queue}"],
  dlg_threshold_label: ["推定待ちがこの分数に達したら警告（本日のみ）", "Alert when the estimated wait reaches (minutes, today)"],
  dlg_threshold_configured: ["設定値: {n}分", "Configured: {n} min"],
  dlg_threshold_save: ["変更する", "Apply"],
  dlg_threshold_restore: ["設定値に戻す", "Restore configured"],

  done_open: ["{counter} を開けました", "Opened {counter}"],
  done_pause: ["{counter} を休止にしました", "Paused {counter}"],
  done_close: ["{counter} を閉じました", "Closed {counter}"],
  done_assign: ["{counter} の呼出列を変更しました", "{counter} now calls from the chosen queues"],
  done_restore: ["{counter} の呼出列を設定どおりに戻しました", "{counter} is back on its configured queues"],
  done_move: ["{ticket} を {queue} へ移しました", "Moved {ticket} to {queue}"],
  done_post: ["お知らせを表示板に出しました", "The notice is on the boards"],
  done_withdraw: ["お知らせを取り下げました", "Notice withdrawn"],
  done_threshold: ["{queue} のアラート基準を変更しました", "Threshold of {queue} changed"],
  done_unpark: ["{ticket} を列に戻しました", "{ticket} is back in line"],

  err_generic: ["操作できませんでした: {message}", "Could not do that: {message}"],
  err_retrying: ["記録サーバーに届きません。自動で再送します。", "The store is unreachable; retrying automatically."],
  err_offline: ["接続が戻るまでお待ちください", "Wait until the connection is back"],
  err_counter_busy: ["対応中の来庁者がいるため閉じられません", "The counter has a visitor: finish first"],
  err_counter_closed: ["窓口が閉じています", "The counter is closed"],
  err_not_waiting: ["その方はもう列で待っていません", "That visitor is no longer waiting"],
  err_same_queue: ["すでにその列にいます", "Already in that queue"],
  err_forbidden: ["この操作の権限がありません", "Your role may not do this"],
  err_invalid: ["入力を確認してください: {message}", "Check the input: {message}"],
  err_unknown_notice: ["そのお知らせはもうありません", "That notice is gone"],

  city_site_link: ["管理者ビューを開く", "Open live view"],
  city_waiting: ["待ち {n}人", "{n} waiting"],
  city_alerts: ["アラート {n}件", "{n} alert(s)"],
  city_no_alert: ["アラートなし", "no alerts"],
  city_counters: ["受付中 {open} · 休止 {paused} · 閉鎖 {closed}", "open {open} · paused {paused} · closed {closed}"],
  city_visits: ["本日の発券 {n}件", "{n} tickets today"],
  city_updated: ["{at} 時点", "as of {at}"],
  city_stale: ["記録サーバー停止中", "store unreachable"],
  city_error: ["概況を読み込めません（自動で再試行します）", "Could not load the overview (retrying)"],
};

/** A translator for `lang` ("ja" or "en"): t(key, values), t.label(Text), t.lang. */
export function translator(lang) {
  const index = lang === "en" ? 1 : 0;
  const t = (key, values = {}) => {
    const entry = STRINGS[key];
    const template = entry ? entry[index] || entry[0] : key;
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  };
  t.lang = index ? "en" : "ja";
  t.has = (key) => key in STRINGS;
  /** An office label from config (a Text: {ja, en, …}) in this language, falling back to ja. */
  t.label = (text) => {
    if (!text) return "";
    if (typeof text === "string") return text;
    return (index ? text.en : text.ja) || text.ja || text.en || "";
  };
  return t;
}

/** A refusal from the hub in words: its code's own text when there is one. */
export function refusal(t, code, message) {
  const key = `err_${code}`;
  return t.has(key) ? t(key, { message }) : t("err_generic", { message: message || code });
}
