#!/usr/bin/python3
"""Writes one saasguard man page (roff) from the program's own --help text,
so the manual and the program cannot drift apart: scdoc(1) is the one source
format, and the text comes from `saasguard [--lang L] CMD --help`.

    manpage.py SAASGUARD SCDOC PAGE LANG OUTPUT [SOURCE.scd]

PAGE is "saasguard" (the overview, section 1), a command ("assess" gives
saasguard-assess(1)), or "profile" with SOURCE, a hand-written scdoc page in
LANG (saasguard-profile(5) documents a file format no --help covers).
"""
import os
import re
import subprocess
import sys

T = {
    "ja": {"name": "名前", "synopsis": "書式", "description": "説明", "commands": "コマンド",
           "files": "ファイル", "environment": "環境変数", "exit": "終了ステータス",
           "see": "関連項目", "manual": "saasguard マニュアル"},
    "en": {"name": "NAME", "synopsis": "SYNOPSIS", "description": "DESCRIPTION",
           "commands": "COMMANDS", "files": "FILES", "environment": "ENVIRONMENT",
           "exit": "EXIT STATUS", "see": "SEE ALSO", "manual": "saasguard manual"},
}

FILES = {
    "ja": [("/etc/saasguard/NAME.yaml", "サービスのプロファイル（saasguard-profile(5)）。ディレクトリは 0750 root:saasguard"),
           ("/var/lib/saasguard/", "データベース（0700 saasguard）。ユニットは NAME.db を使う"),
           ("saasguard-monitor@NAME.service", "プロファイル NAME の監視デーモン（Type=notify、ウォッチドッグ付き）"),
           ("saasguard-check@NAME.timer", "プロファイル NAME の収集を1時間ごとに実行する")],
    "en": [("/etc/saasguard/NAME.yaml", "a service's profile (saasguard-profile(5)); the directory is 0750 root:saasguard"),
           ("/var/lib/saasguard/", "the databases (0700 saasguard); the units use NAME.db"),
           ("saasguard-monitor@NAME.service", "the monitoring daemon for profile NAME (Type=notify, with a watchdog)"),
           ("saasguard-check@NAME.timer", "runs the collectors of profile NAME hourly")],
}
ENV = {
    "ja": [("SAASGUARD_DB", "オプション --db を省略したときのデータベース"),
           ("SAASGUARD_STATE_DIR", "データベースを置くディレクトリ（SAASGUARD_DB がないとき）"),
           ("SAASGUARD_LEDGER_KEY", "証跡台帳の署名鍵（0600）"),
           ("LANG", "ja 以外で始まる en_* なら英語で表示する（--lang が優先）"),
           ("NO_COLOR", "端末でも色を付けない")],
    "en": [("SAASGUARD_DB", "the database when --db is not given"),
           ("SAASGUARD_STATE_DIR", "the directory of the database (without SAASGUARD_DB)"),
           ("SAASGUARD_LEDGER_KEY", "the evidence ledger's signing key (0600)"),
           ("LANG", "en_* selects English (--lang takes precedence)"),
           ("NO_COLOR", "no colours, even on a terminal")],
}
EXIT = {
    "ja": "0 成功・合格、1 所見あり（不合格、基準値に届かない計測、検証失敗）、2 使い方・入力の誤り。"
          "各コマンドの説明にある終了コードが優先します。",
    "en": "0 success or pass, 1 a finding (a fail, a measurement short of the reference, a failed "
          "verification), 2 a usage or input error. Each command's description gives its own.",
}


def run(sg, lang, *args):
    env = dict(os.environ, LANG="C.UTF-8", NO_COLOR="1")
    p = subprocess.run([sg, "--lang", lang, *args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit(f"manpage.py: {' '.join(args)} --help failed: {p.stderr}")
    return p.stdout


def commands(sg, lang):
    """(name, summary) from the overview's command list."""
    out, seen = [], False
    for line in run(sg, lang, "--help").splitlines():
        if re.match(r"^(Commands|コマンド):", line):
            seen = True
            continue
        if seen and not line.strip():
            break  # the list ends at a blank line; options and variables follow
        m = re.match(r"^  (\S+)\s+(.*)$", line)
        if seen and m:
            out.append((m.group(1), m.group(2)))
    return out


def esc(s):
    # scdoc formats *bold* and _underline_; keep the program's text literal.
    return s.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def literal(text):
    return "```\n" + text.rstrip("\n").replace("```", "'''") + "\n```\n"


def header(page, section, version, lang):
    return f'{page}({section}) "saasguard {version}" "{T[lang]["manual"]}"\n\n'


def overview(sg, lang, version):
    t = T[lang]
    help_text = run(sg, lang, "--help")
    out = header("saasguard", 1, version, lang)
    out += f"# {t['name']}\n\nsaasguard - " + (
        "ASP・SaaS における情報セキュリティ対策ガイドラインへの対応を評価・計測・証跡化する\n\n"
        if lang == "ja" else
        "assess, measure and keep evidence of conformance to the MIC ASP/SaaS guideline\n\n")
    out += f"# {t['synopsis']}\n\n*saasguard* [--lang ja|en] _command_ [_args_]\n\n"
    out += "*saasguard* --version\n\n"
    out += f"# {t['description']}\n\n" + literal(help_text) + "\n"
    out += f"# {t['commands']}\n\n"
    for name, summary in commands(sg, lang):
        out += f"*saasguard-{name}*(1)\n\t{esc(summary)}\n\n"
    out += f"# {t['files']}\n\n"
    for path, what in FILES[lang]:
        out += f"_{esc(path)}_\n\t{esc(what)}\n\n"
    out += f"# {t['environment']}\n\n"
    for name, what in ENV[lang]:
        out += f"*{esc(name)}*\n\t{esc(what)}\n\n"
    out += f"# {t['exit']}\n\n{EXIT[lang]}\n\n"
    out += f"# {t['see']}\n\n*saasguard-profile*(5), *systemctl*(1), *journalctl*(1)\n"
    return out


def command(sg, lang, version, name):
    t = T[lang]
    summary = dict(commands(sg, lang)).get(name)
    if summary is None:
        sys.exit(f"manpage.py: '{name}' is not in `saasguard --help`")
    help_text = run(sg, lang, name, "--help")
    usage = []
    for line in help_text.splitlines():  # the usage lines, up to the first blank
        if not line.strip():
            break
        usage.append(re.sub(r"^(使い方|usage):\s?", "", line))
    out = header(f"saasguard-{name}", 1, version, lang)
    out += f"# {t['name']}\n\nsaasguard-{name} - {esc(summary)}\n\n"
    out += f"# {t['synopsis']}\n\n" + literal("\n".join(usage)) + "\n"
    out += f"# {t['description']}\n\n" + literal(help_text) + "\n"
    out += f"# {t['see']}\n\n*saasguard*(1), *saasguard-profile*(5)\n"
    return out


def main():
    sg, scdoc, page, lang, output = sys.argv[1:6]
    version = run(sg, "en", "--version").split()[1]
    if page == "saasguard":
        src = overview(sg, lang, version)
    elif page == "profile":
        with open(sys.argv[6], encoding="utf-8") as f:
            src = f.read().replace("@VERSION@", version)
    else:
        src = command(sg, lang, version, page)
    p = subprocess.run([scdoc], input=src.encode(), capture_output=True)
    if p.returncode != 0:
        sys.exit(f"manpage.py: scdoc failed on {page} ({lang}): {p.stderr.decode()}\n{src}")
    tmp = output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(p.stdout)
    os.replace(tmp, output)


if __name__ == "__main__":
    main()
