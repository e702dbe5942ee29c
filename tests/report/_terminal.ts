/**
 * A tiny terminal for tests: applies the output of the live progress block (printable
 * text, "\r", "\n", CSI n A, CSI 2K, CSI J) to a screen of lines, and rejects any other
 * control sequence, so tests see what a user would see.
 */
export class VirtualTerminal {
  lines: string[] = [""];
  row = 0;
  col = 0;
  writes = 0;

  /** Applies one write. */
  write(text: string): void {
    this.writes++;
    let i = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === "\x1b") {
        // deno-lint-ignore no-control-regex
        const m = /^\x1b\[(\d*)([AKJ])/.exec(text.slice(i));
        if (m === null) {
          throw new Error(`unexpected escape at ${JSON.stringify(text.slice(i, i + 8))}`);
        }
        const n = m[1] === "" ? 1 : Number(m[1]);
        if (m[2] === "A") this.row = Math.max(0, this.row - n);
        else if (m[2] === "K") {
          if (n !== 2) throw new Error(`unexpected CSI ${n}K`);
          this.lines[this.row] = "";
        } else {
          this.lines[this.row] = this.lines[this.row].slice(0, this.col);
          this.lines.length = this.row + 1;
        }
        i += m[0].length;
        continue;
      }
      if (c === "\r") this.col = 0;
      else if (c === "\n") {
        this.row++;
        this.col = 0;
        if (this.row >= this.lines.length) this.lines.push("");
      } else {
        if (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)) {
          throw new Error(`control character ${c.charCodeAt(0)} reached the terminal`);
        }
        const line = this.lines[this.row].padEnd(this.col);
        this.lines[this.row] = line.slice(0, this.col) + c + line.slice(this.col + 1);
        this.col++;
      }
      i++;
    }
  }

  /** The screen as text. */
  screen(): string {
    return this.lines.join("\n");
  }
}

/** Makes escape sequences visible for golden files. */
export function visible(text: string): string {
  return text.replaceAll("\x1b[", "⎋[");
}
