// The moderation page: the report queue, takedowns, dismissals and a user's history, through
// the moderators' routes of the API. Everything the server sends is put in as text, never HTML.
'use strict';

(() => {
  const byId = (id) => document.getElementById(id);
  const TOKEN_KEY = 'imagecore-moderator-token';
  const API = '/api/resume/moderation';
  const LABELS = { profile_image: 'profile image', cover_image: 'cover image' };
  let token = null;

  const say = (message) => { byId('status').textContent = message; };
  const showError = (message) => { byId('errors').textContent = message; };
  const clearError = () => { byId('errors').textContent = ''; };

  function userOf(jwt) {
    try {
      const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
      return String(payload.sub ?? payload.user_id ?? '');
    } catch (error) {
      return '';
    }
  }

  async function call(method, path, body) {
    const headers = { 'Authorization': `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || `The server answered ${response.status}.`);
    return answer;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function when(iso) {
    return iso.replace('T', ' ').replace('+00:00', '');
  }

  function reportedImage(item, index) {
    const label = LABELS[item.type];
    const entry = element('li', undefined, 'reported');
    const heading = element('h3', `The ${label} of user ${item.user}`);
    heading.id = `reported-${index}`;
    entry.setAttribute('aria-labelledby', heading.id);
    const picture = element('img');
    picture.src = item.image;
    picture.alt = `The reported ${label} of user ${item.user}`;
    picture.className = item.type === 'profile_image' ? 'reported-profile' : 'reported-cover';
    const facts = element('p', `Reported since ${when(item.since)}. ` +
      (item.still_shown ? 'Still shown.' : 'Since replaced or removed by its owner.'), 'help');
    const reports = element('ul', undefined, 'reports');
    for (const report of item.reports) {
      const line = element('li');
      line.append(element('strong', report.reason_label));
      line.append(` by ${report.reporter}, ${when(report.at)}`);
      if (report.note) line.append(element('q', report.note));
      reports.append(line);
    }

    const takedown = element('form', undefined, 'describe');
    const reasonId = `reason-${index}`;
    const reasonLabel = element('label', `Why take it down (kept in the audit log)`);
    reasonLabel.htmlFor = reasonId;
    const reason = element('input');
    reason.id = reasonId;
    reason.required = true;
    reason.maxLength = 500;
    reason.value = item.reports[0].reason_label;
    const down = element('button', `Take down the ${label}`, 'danger');
    down.type = 'submit';
    takedown.append(reasonLabel, reason, down);
    takedown.addEventListener('submit', (event) => {
      event.preventDefault();
      act(down, () => call('POST', '/takedowns', { user: item.user, type: item.type, key: item.key, reason: reason.value }));
    });

    const actions = element('div', undefined, 'actions');
    const dismiss = element('button', 'Dismiss the reports');
    dismiss.type = 'button';
    dismiss.addEventListener('click', () => {
      act(dismiss, () => call('POST', '/dismissals', { user: item.user, type: item.type, key: item.key }));
    });
    const history = element('button', `Show the history of user ${item.user}`);
    history.type = 'button';
    history.addEventListener('click', () => showHistory(item.user));
    actions.append(dismiss, history);

    entry.append(heading, picture, facts, reports, takedown, actions);
    return entry;
  }

  async function act(button, request) {
    clearError();
    button.disabled = true;
    try {
      const answer = await request();
      say(answer.message);
      await loadQueue();
      byId('queue-title').focus();
    } catch (error) {
      showError(error.message);
      button.disabled = false;
    }
  }

  async function loadQueue() {
    const { reports } = await call('GET', '/reports');
    byId('queue').replaceChildren(...reports.map(reportedImage));
    byId('queue-empty').hidden = reports.length > 0;
  }

  async function showHistory(user) {
    clearError();
    try {
      const answer = await call('GET', `/history?user=${encodeURIComponent(user)}`);
      const rows = answer.history.map((record) => {
        const row = element('tr');
        const image = record.after.key || record.before.key || '';
        row.append(
          element('td', when(record.at)),
          element('td', record.action + (record.type ? ` (${LABELS[record.type]})` : '')),
          element('td', image.split('/').pop()),
          element('td', `${record.by.role} ${record.by.name}`),
          element('td', record.detail),
        );
        return row;
      });
      byId('history-rows').replaceChildren(...rows);
      byId('history-caption').textContent =
        `${rows.length} ${rows.length === 1 ? 'change' : 'changes'} to the images of user ${user}, oldest first`;
      byId('history-user').value = user;
      byId('history-result').hidden = false;
      say(`History of user ${user} shown.`);
    } catch (error) {
      showError(error.message);
    }
  }

  async function start(given) {
    token = given;
    sessionStorage.setItem(TOKEN_KEY, token);
    byId('token-form').hidden = true;
    byId('user').textContent = userOf(token) || 'an unnamed user';
    byId('signed-in').hidden = false;
    try {
      await loadQueue();
      say('');
    } catch (error) {
      showError(error.message);
    }
  }

  byId('queue-title').tabIndex = -1;
  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const given = byId('token').value.trim();
    if (given) start(given);
  });
  byId('history-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const user = byId('history-user').value.trim();
    if (user) showHistory(user);
  });
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromFragment) history.replaceState(null, '', location.pathname + location.search);
  const stored = fromFragment || sessionStorage.getItem(TOKEN_KEY);
  if (stored) {
    start(stored);
  } else {
    byId('token-form').hidden = false;
    say('Paste a moderator\'s access token to begin.');
  }
})();
