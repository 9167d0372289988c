"""Data: the qualified names that rules look for.

Everything here is plain data so that a reader (or a user reading the docs) can see in
one place which calls asynclint treats as blocking and which functions it knows to be
coroutine functions. Rules look names up; they never spell them out themselves.
"""
from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Set


class BlockingCall(NamedTuple):
    code: str
    suggestion: Optional[str]


def _entries(code: str, names: str, suggestion: Optional[str]) -> Dict[str, BlockingCall]:
    return {name: BlockingCall(code, suggestion) for name in names.split()}


_HTTP_VERBS = "get post put patch delete head options request"

BLOCKING_CALLS: Dict[str, BlockingCall] = {}
BLOCKING_CALLS.update(_entries("AIO100", "time.sleep", "use `await asyncio.sleep(...)`"))
BLOCKING_CALLS.update(
    _entries(
        "AIO101",
        " ".join(f"requests.{verb}" for verb in _HTTP_VERBS.split())
        + " "
        + " ".join(f"requests.Session.{verb}" for verb in (_HTTP_VERBS + " send").split())
        + " urllib.request.urlopen urllib3.request"
        + " "
        + " ".join(
            f"urllib3.{pool}.{method}"
            for pool in ("PoolManager", "ProxyManager", "HTTPConnectionPool", "HTTPSConnectionPool")
            for method in ("request", "urlopen", "request_encode_url", "request_encode_body")
        )
        + " "
        + " ".join(f"httpx.{verb}" for verb in (_HTTP_VERBS + " stream").split())
        + " "
        + " ".join(f"httpx.Client.{verb}" for verb in (_HTTP_VERBS + " send stream").split())
        + " http.client.HTTPConnection http.client.HTTPSConnection",
        "use an async HTTP client (aiohttp, `httpx.AsyncClient`) or `await asyncio.to_thread(...)`",
    )
)
BLOCKING_CALLS.update(
    _entries(
        "AIO102",
        "subprocess.run subprocess.call subprocess.check_call subprocess.check_output"
        " subprocess.getoutput subprocess.getstatusoutput"
        " subprocess.Popen.wait subprocess.Popen.communicate"
        " os.system os.popen"
        " os.spawnl os.spawnle os.spawnlp os.spawnlpe os.spawnv os.spawnve os.spawnvp os.spawnvpe"
        " os.wait os.waitpid os.wait3 os.wait4 os.waitid",
        "use `await asyncio.create_subprocess_exec(...)`",
    )
)
_PATH_METHODS = (
    "open read_text read_bytes write_text write_bytes exists is_file is_dir is_symlink"
    " is_mount is_socket is_fifo is_block_device is_char_device is_junction stat lstat"
    " resolve iterdir glob rglob walk mkdir unlink rmdir rename replace touch chmod lchmod"
    " owner group readlink samefile symlink_to hardlink_to link_to copy copy_into move"
    " move_into absolute expanduser"
)
BLOCKING_CALLS.update(
    _entries(
        "AIO103",
        "builtins.open io.open io.open_code os.fdopen"
        " shutil.copy shutil.copy2 shutil.copyfile shutil.copyfileobj shutil.copymode"
        " shutil.copystat shutil.copytree shutil.move shutil.rmtree"
        " os.stat os.lstat os.listdir os.scandir os.walk os.remove os.unlink os.rename"
        " os.replace os.mkdir os.makedirs os.rmdir os.chmod os.chown os.utime os.readlink"
        " os.symlink os.link"
        " os.path.exists os.path.lexists os.path.isfile os.path.isdir os.path.islink"
        " os.path.ismount os.path.getsize os.path.getmtime os.path.getatime"
        " os.path.getctime os.path.realpath os.path.samefile "
        + " ".join(f"pathlib.Path.{method}" for method in _PATH_METHODS.split()),
        "use `await asyncio.to_thread(...)` or an async file library such as aiofiles",
    )
)
# `Path.absolute()`/`expanduser()` only consult the process state, not the disk.
for _pure in ("pathlib.Path.absolute", "pathlib.Path.expanduser"):
    del BLOCKING_CALLS[_pure]

BLOCKING_CALLS.update(
    _entries(
        "AIO104",
        "builtins.input sys.stdin.read sys.stdin.readline sys.stdin.readlines",
        "read standard input with `loop.connect_read_pipe` or in `asyncio.to_thread(...)`",
    )
)
BLOCKING_CALLS.update(
    _entries(
        "AIO105",
        "socket.create_connection socket.getaddrinfo socket.gethostbyname"
        " socket.gethostbyname_ex socket.gethostbyaddr socket.getfqdn socket.getnameinfo"
        " sqlite3.connect psycopg2.connect psycopg.connect psycopg.Connection.connect"
        " pymysql.connect MySQLdb.connect mysql.connector.connect cx_Oracle.connect"
        " oracledb.connect pyodbc.connect pymssql.connect pymongo.MongoClient"
        " smtplib.SMTP smtplib.SMTP_SSL smtplib.LMTP ftplib.FTP ftplib.FTP_TLS"
        " poplib.POP3 poplib.POP3_SSL imaplib.IMAP4 imaplib.IMAP4_SSL telnetlib.Telnet"
        " urllib.request.urlretrieve getpass.getpass",
        "use an asyncio-native library or `await asyncio.to_thread(...)`",
    )
)

# Other spellings of the same objects: module internals and platform classes that
# users import directly. Resolved names are rewritten with these prefixes first.
QUALNAME_ALIASES: Dict[str, str] = {
    "requests.api": "requests",
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.Session",
    "requests.session": "requests.Session",
    "urllib3.poolmanager.PoolManager": "urllib3.PoolManager",
    "urllib3.poolmanager.ProxyManager": "urllib3.ProxyManager",
    "urllib3.connectionpool.HTTPConnectionPool": "urllib3.HTTPConnectionPool",
    "urllib3.connectionpool.HTTPSConnectionPool": "urllib3.HTTPSConnectionPool",
    "httpx._api": "httpx",
    "httpx._client.Client": "httpx.Client",
    "pathlib.PosixPath": "pathlib.Path",
    "pathlib.WindowsPath": "pathlib.Path",
    "posixpath": "os.path",
    "ntpath": "os.path",
    "asyncio.tasks": "asyncio",
    "asyncio.events": "asyncio",
    "asyncio.futures": "asyncio",
    "asyncio.exceptions": "asyncio",
    "asyncio.runners": "asyncio",
    "asyncio.base_events.BaseEventLoop": "asyncio.AbstractEventLoop",
}


def canonical_qualname(qualname: str) -> str:
    """Rewrite `qualname` through QUALNAME_ALIASES (longest matching prefix wins)."""
    parts = qualname.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        target = QUALNAME_ALIASES.get(prefix)
        if target is not None:
            return ".".join([target, *parts[cut:]])
    return qualname


# asyncio's own coroutine functions: calling one and dropping the result does nothing.
ASYNCIO_COROUTINE_FUNCTIONS = frozenset(
    "asyncio." + name
    for name in (
        "sleep wait_for wait open_connection start_server open_unix_connection"
        " start_unix_server create_subprocess_exec create_subprocess_shell to_thread"
        " staggered_race"
    ).split()
)

# Calls whose first positional argument is a callable run in a worker thread.
THREAD_HANDOFF_CALLS = frozenset({"asyncio.to_thread"})

# Tasks and futures that must be kept (AIO201): what each makes, for the message.
TASK_FACTORIES: Dict[str, str] = {
    "asyncio.create_task": "task",
    "asyncio.ensure_future": "task",
    "asyncio.run_coroutine_threadsafe": "future",
    "asyncio.gather": "future",
}

# Entry points that need a coroutine object, and which futures they also reject (AIO202);
# the same for an event loop's methods, by name.
ENTRY_POINTS: Dict[str, Set[str]] = {
    "asyncio.run": {"asyncio.gather", "asyncio.wait"},
    "asyncio.create_task": {"asyncio.gather"},
    "asyncio.ensure_future": set(),
    "asyncio.run_coroutine_threadsafe": set(),
    "asyncio.TaskGroup.create_task": {"asyncio.gather"},
}
LOOP_ENTRY_POINTS: Dict[str, Set[str]] = {"run_until_complete": set(), "create_task": {"asyncio.gather"}}

# Calls that return an event loop: a name bound from one of these is a loop.
LOOP_FACTORIES = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop"})

# Calls that run an event loop until done, given a coroutine (AIO400, AIO401).
LOOP_RUNNING_FUNCTIONS = frozenset({"asyncio.run", "anyio.run", "trio.run"})
LOOP_RUNNING_METHODS = frozenset({"run_until_complete", "run_forever"})

# Hand-overs to another thread (AIO400): the Thread class, and an executor's methods.
THREAD_CLASS = "threading.Thread"
EXECUTOR_METHODS = frozenset({"submit", "map"})

# Decorators that turn a plain `def` into a coroutine function whose body runs in a
# worker thread: calling it gives a coroutine, and its body never blocks the loop.
TO_THREAD_DECORATORS = frozenset(
    {"asgiref.sync.sync_to_async", "channels.db.database_sync_to_async", "asyncer.asyncify"}
)

# asyncio functions and classes whose `loop` parameter was removed in Python 3.10
# (bpo-42392). Not listed, because they still take it: ensure_future, wrap_future,
# run_coroutine_threadsafe, Future, Task, StreamReader, StreamReaderProtocol, all_tasks,
# current_task.
LOOP_ARGUMENT_REMOVED = frozenset(
    (
        "sleep gather shield wait_for wait as_completed"
        " open_connection start_server open_unix_connection start_unix_server"
        " create_subprocess_exec create_subprocess_shell"
        " Queue LifoQueue PriorityQueue Lock Event Condition Semaphore BoundedSemaphore"
    ).split()
)
