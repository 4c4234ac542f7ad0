import { recipe } from '../fixes/django.ts'
import type { StackModule } from './stack.ts'

export const django: StackModule = {
  id: 'django',
  name: 'Django',
  layer: 'app',
  comment: '#',
  recipe,
}
