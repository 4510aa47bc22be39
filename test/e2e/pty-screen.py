"""
Runs a command on a pseudo-terminal (80x24), sends it SIGINT after SIGINT_AFTER seconds (or once its output contains
SIGINT_WHEN), and prints the screen as a terminal would show it at the end: a small renderer of the control sequences
progress bars use (cursor up/down/column, clear line/right/down, auto-wrap on/off). Used by terminal-pty.test.ts.
"""
import fcntl, os, pty, re, select, signal, struct, sys, termios, time
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    # The terminal's size is set before the command starts, so it sees 80 columns from its first look.
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
    os.execvp(argv[0], argv)
out = b''
start = time.time(); sent = False
while True:
    when = os.environ.get('SIGINT_WHEN')
    due = (when is not None and when.encode() in out) or time.time() - start > float(os.environ.get('SIGINT_AFTER', '30'))
    if not sent and due:
        os.kill(pid, signal.SIGINT); sent = True
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data: break
        out += data
    if time.time() - start > 60: os.kill(pid, signal.SIGKILL)
# minimal terminal renderer
W = 80; screen = [[' '] * W for _ in range(200)]; row = col = 0; wrap = True
text = out.decode('utf8', 'replace'); i = 0
while i < len(text):
    c = text[i]
    if c == '\x1b':
        m = re.match(r'\x1b\[(\??)([0-9;]*)([A-Za-z])', text[i:])
        if m:
            q, n, f = m.groups(); k = int(n.split(';')[0]) if n else None
            if f == 'A': row = max(0, row - (k or 1))
            elif f == 'B': row += (k or 1)
            elif f == 'G': col = (k or 1) - 1
            elif f == 'K':
                if k in (None, 0): screen[row][col:] = [' '] * (W - col)
                elif k == 2: screen[row] = [' '] * W
            elif f == 'J':
                for r2 in range(row + 1, 200): screen[r2] = [' '] * W
                screen[row][col:] = [' '] * (W - col)
            elif f in 'hl' and q == '?' and n == '7': wrap = (f == 'h')
            i += len(m.group(0)); continue
    if c == '\r': col = 0
    elif c == '\n': row += 1; col = 0
    else:
        if col >= W:
            if wrap: row += 1; col = 0
            else: col = W - 1
        screen[row][col] = c; col += 1
    i += 1
lines = [''.join(l).rstrip() for l in screen]
while lines and not lines[-1]: lines.pop()
print('\n'.join(lines))
