// The plan of an operation (a dry run) as the wizards show it: steps, and commands per host.
import type { Locator } from '@playwright/test'

export interface PlanStep {
  id: string
  title: string
  hosts: string[]
  commands: string[]
}

export class PlanPanel {
  readonly root: Locator
  readonly title: Locator
  readonly steps: Locator
  readonly commands: Locator

  constructor(scope: Locator) {
    this.root = scope.getByTestId('plan')
    this.title = this.root.getByTestId('plan-title')
    this.steps = this.root.getByTestId('plan-step')
    this.commands = this.root.getByTestId('plan-command')
  }

  async read(): Promise<PlanStep[]> {
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
