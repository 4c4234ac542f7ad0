import { recipe } from '../fixes/generic.ts'
import type { StackModule } from './stack.ts'

export const generic: StackModule = {
  id: 'generic',
  name: 'Any server',
  layer: 'cure',
  comment: '#',
  recipe,
}

declare module '../fix.ts' {
  interface StackIds {
    generic: true
  }
}
