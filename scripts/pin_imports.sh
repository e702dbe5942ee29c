#!/bin/sh
# Rewrites bare npm imports in drover's own modules (lib/, mod.ts, cli.ts) to full npm:
# specifiers (the versions of deno.json's import map), so a project that imports drover needs
# nothing of drover's dependencies in its own import map. Idempotent; run from the root:
#   sh scripts/pin_imports.sh
set -e
grep -rlE --include='*.ts' '(from |import\()"(zod|yaml|ssh2|typescript|commander|@commander-js/extra-typings)"' lib mod.ts cli.ts | xargs -r sed -i -E 's#(from |import\()"zod"#\1"npm:zod@^3.25.0"#g; s#(from |import\()"yaml"#\1"npm:yaml@^2.8.0"#g; s#(from |import\()"ssh2"#\1"npm:ssh2@^1.17.0"#g; s#(from |import\()"typescript"#\1"npm:typescript@^5.9.0"#g; s#(from |import\()"commander"#\1"npm:commander@^14.0.0"#g; s#(from |import\()"@commander-js/extra-typings"#\1"npm:@commander-js/extra-typings@^14.0.0"#g'
