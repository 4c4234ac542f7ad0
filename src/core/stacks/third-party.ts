import { recipe } from '../fixes/third-party.ts'
import type { StackModule } from './stack.ts'

export const thirdparty: StackModule = {
  id: 'third-party',
  name: 'Not your server',
  layer: 'cure',
  comment: '#',
  recipe,
}

declare module '../fix.ts' {
  interface StackIds {
    'third-party': true
  }
}
