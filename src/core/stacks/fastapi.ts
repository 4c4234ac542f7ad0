import { recipe } from '../fixes/fastapi.ts'
import type { StackModule } from './stack.ts'

export const fastapi: StackModule = {
  id: 'fastapi',
  name: 'FastAPI',
  layer: 'app',
  comment: '#',
  recipe,
}
