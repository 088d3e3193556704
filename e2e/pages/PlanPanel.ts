// The plan of an operation (a dry run) as the wizards show it: the summary first, then the
// steps; each step's commands per host behind "Show the commands".
import { expect, type Locator } from '@playwright/test'

export interface PlanStep {
  id: string
  title: string
  hosts: string[]
  commands: string[]
}

export class PlanPanel {
  readonly root: Locator
  readonly title: Locator
  /** The plain sentences the plan opens with. */
  readonly summary: Locator
  readonly summaryLines: Locator
  readonly commandsToggle: Locator
  readonly steps: Locator
  readonly commands: Locator

  constructor(scope: Locator) {
    this.root = scope.getByTestId('plan')
    this.title = this.root.getByTestId('plan-title')
    this.summary = this.root.getByTestId('plan-summary')
    this.summaryLines = this.root.getByTestId('plan-summary-line')
    this.commandsToggle = this.root.getByTestId('plan-commands-toggle')
    this.steps = this.root.getByTestId('plan-step')
    this.commands = this.root.getByTestId('plan-command')
  }

  async readSummary(): Promise<string[]> {
    return (await this.summaryLines.allInnerTexts()).map((l) => l.trim())
  }

  /** Unfolds the commands (folded by default), as a user clicks "Show the commands". */
  async showCommands(): Promise<void> {
    if ((await this.commandsToggle.getAttribute('aria-expanded')) === 'true') return
    await this.commandsToggle.click()
    await expect(this.commandsToggle).toHaveAttribute('aria-expanded', 'true')
  }

  /** Every step with its hosts and commands (unfolds the commands first). */
  async read(): Promise<PlanStep[]> {
    await this.showCommands()
    const out: PlanStep[] = []
    for (const step of await this.steps.all()) {
      const hosts: string[] = []
      for (const h of await step.getByTestId('plan-host').all()) hosts.push((await h.getAttribute('data-host')) ?? '')
      out.push({
        id: (await step.getAttribute('data-step')) ?? '',
        title: (await step.getByTestId('plan-step-title').innerText()).trim(),
        hosts,
        commands: (await step.getByTestId('plan-command').allInnerTexts()).map((c) => c.trim()),
      })
    }
    return out
  }
}

/** After "Show plan": waits until `apply` shows (the plan arrived), failing at once with the
 *  core's refusal when `problem` shows instead. */
export async function expectPlanOrRefusal(problem: Locator, apply: Locator, timeout: number, message: string): Promise<void> {
  await expect
    .poll(
      async () => {
        if (await problem.isVisible()) throw new Error(`the plan was refused: ${(await problem.innerText()).replace(/\s+/g, ' ')}`)
        return apply.isVisible()
      },
      { timeout, message },
    )
    .toBe(true)
}
