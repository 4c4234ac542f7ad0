import { recipe } from '../fixes/flask.ts'
import type { StackModule } from './stack.ts'

export const flask: StackModule = {
  id: 'flask',
  name: 'Flask',
  layer: 'app',
  comment: '#',
  recipe,
}
