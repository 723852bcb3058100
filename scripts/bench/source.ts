// Which sources the benchmark measures. `wrangler dev` watches the sources and restarts the Worker
// on every edit, and other people edit this tree while a run lasts; so by default the platform runs
// from a frozen copy of the working tree taken when the run starts (node_modules linked, build/
// copied), and the in-process engine is loaded from that same copy.
//   worktree (default)  a copy of the working tree as it is now (tracked + untracked, not ignored)
//   head                a copy of the last commit (git archive HEAD)
//   live                the repository itself, edits and reloads included
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export type SourceMode = 'worktree' | 'head' | 'live'

export interface Source {
  mode: SourceMode
  /** where the platform runs and the engine is loaded from */
  dir: string
  gitHead: string | null
  /** `git status --porcelain` of the repository when the run started */
  uncommitted: string[]
  dispose(): void
}

function git(root: string, args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 })
}

export function prepareSource(root: string, mode: SourceMode): Source {
  let gitHead: string | null = null
  let uncommitted: string[] = []
  try {
    gitHead = git(root, ['rev-parse', 'HEAD']).trim()
    uncommitted = git(root, ['status', '--porcelain']).split('\n').filter(Boolean)
  } catch {
    // not a git checkout: only `live` can work
    if (mode !== 'live') throw new Error(`--source ${mode} needs a git checkout; use --source live`)
  }
  if (mode === 'live') return { mode, dir: root, gitHead, uncommitted, dispose() {} }

  const dir = mkdtempSync(join(tmpdir(), 'ss-bench-src-'))
  try {
    if (mode === 'head') {
      execFileSync('sh', ['-c', `git archive HEAD | tar -x -C "${dir}"`], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    } else {
      const files = git(root, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean)
      for (const file of files) {
        const from = join(root, file)
        if (!existsSync(from)) continue // deleted in the working tree
        mkdirSync(dirname(join(dir, file)), { recursive: true })
        cpSync(from, join(dir, file), { dereference: false })
      }
    }
    // The Remix build is ignored by git but needed (SKIP_BUILD=1, wrangler's assets and alias).
    if (existsSync(join(root, 'build'))) cpSync(join(root, 'build'), join(dir, 'build'), { recursive: true })
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir')
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  const dispose = () => {
    try {
      unlinkSync(join(dir, 'node_modules')) // the link only, never what it points to
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true })
  }
  return { mode, dir, gitHead, uncommitted, dispose }
}
