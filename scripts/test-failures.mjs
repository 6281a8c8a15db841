// After a failed `tap` run, print every failing test again, with its diagnostics, at the end of the
// output. A CI log is often read from its tail, and raw TAP leaves a failure thousands of lines up.
// Reads the per-file results tap keeps in .tap/test-results. Prints nothing when nothing failed.
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Parser } from 'tap-parser'
import { stringify } from 'tap-yaml'

const root = process.argv[2] ?? '.tap/test-results'

const resultFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? resultFiles(join(dir, e.name)) : e.name.endsWith('.tap') ? [join(dir, e.name)] : [])

/** Failing asserts of one TAP stream, innermost first; a subtest failing only because a child failed is left out. */
function failures(tap) {
  const found = []
  const watch = (parser) => {
    parser.on('child', watch)
    parser.on('assert', (r) => {
      if (r.ok || r.todo || r.skip) return
      if (found.some((f) => f.fullname.startsWith(`${r.fullname} > `))) return
      found.push({ fullname: r.fullname, diag: r.diag })
    })
  }
  const parser = new Parser()
  watch(parser)
  parser.end(tap)
  return found
}

let files
try {
  files = resultFiles(root)
} catch {
  process.exit(0)
}
const failed = files
  .map((file) => ({ file: relative(root, file).replace(/\.tap$/, ''), list: failures(readFileSync(file, 'utf8')) }))
  .filter((f) => f.list.length > 0)
if (failed.length > 0) {
  const count = failed.reduce((n, f) => n + f.list.length, 0)
  console.log(`\n# ${count} failing test(s) in ${failed.length} file(s):`)
  for (const { file, list } of failed) {
    for (const { fullname, diag } of list) {
      console.log(`\nnot ok ${file} > ${fullname}`)
      if (diag) console.log(stringify(diag).replace(/^/gm, '  ').trimEnd())
    }
  }
}
