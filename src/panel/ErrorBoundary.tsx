/**
 * A render error must never blank the panel: this boundary shows what broke and a way back, and the
 * rest of the panel (other boundaries) keeps working.
 */
import { Component, type ComponentChildren } from 'preact'

interface Props {
  readonly name: string
  readonly children: ComponentChildren
}

interface State {
  readonly error: string | null
}

export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null }

  static override getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error.message : String(error) }
  }

  override componentDidCatch(error: unknown): void {
    console.error(`CORS Lens: the ${this.props.name} failed to render`, error)
  }

  override render() {
    if (this.state.error === null) return this.props.children
    return (
      <div class="boundary" role="alert">
        <p>
          <b>CORS Lens could not show the {this.props.name}.</b> The rest of the panel still works.
        </p>
        <p class="muted">{this.state.error}</p>
        <p>
          <button type="button" onClick={() => this.setState({ error: null })}>
            Try again
          </button>{' '}
          <button type="button" onClick={() => location.reload()}>
            Reload the panel
          </button>
        </p>
      </div>
    )
  }
}
