// The second question before a start that deletes something (a data directory): a warning box
// whose confirm button is red. True only when the user confirmed.
import { ElMessageBox } from 'element-plus'

export interface DangerQuestion {
  title: string
  message: string
  /** The red button: says what happens (`Delete it`). */
  confirm: string
  /** The way out: says what is kept (`Keep it`). */
  cancel: string
}

export async function confirmDanger(q: DangerQuestion): Promise<boolean> {
  try {
    await ElMessageBox.confirm(q.message, q.title, { confirmButtonText: q.confirm, cancelButtonText: q.cancel, type: 'warning', confirmButtonClass: 'el-button--danger' })
    return true
  } catch {
    return false
  }
}
