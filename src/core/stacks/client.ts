import { recipe } from '../fixes/client.ts'
import type { StackModule } from './stack.ts'

export const client: StackModule = {
  id: 'client',
  name: 'Client code',
  layer: 'cure',
  comment: '//',
  recipe,
}

declare module '../fix.ts' {
  interface StackIds {
    client: true
  }
}
