import { recipe } from '../fixes/local-network.ts'
import type { StackModule } from './stack.ts'

export const browser: StackModule = {
  id: 'browser',
  name: 'Browser settings',
  layer: 'cure',
  comment: '#',
  recipe,
}

declare module '../fix.ts' {
  interface StackIds {
    browser: true
  }
}
