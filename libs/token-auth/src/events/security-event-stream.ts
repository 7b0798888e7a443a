import { Observable, type Observer, type Operator, type Subscriber, type Subscription, type TeardownLogic } from 'rxjs';

type Report = (where: string, error: unknown) => void;

/** RxJS's own subscribers (an operator's, `firstValueFrom`'s, `forEach`'s) route their errors themselves. */
function isSubscriber(value: unknown): value is Subscriber<unknown> {
  const v = value as Partial<Subscriber<unknown>> | null | undefined;
  return (
    typeof v?.next === 'function' &&
    typeof v.error === 'function' &&
    typeof v.complete === 'function' &&
    typeof v.add === 'function' &&
    typeof v.unsubscribe === 'function'
  );
}

/**
 * An Observable whose subscribers are isolated from one another and from the library: what a subscriber's
 * callback throws, and an error an operator of its pipe sends down with no error callback to take it, is reported
 * (logged once per cause) instead of reaching RxJS's unhandled-error hook, which rethrows it on a timer and so
 * crashes a Node process. A callback that throws keeps its subscription: it gets the next event. Operators
 * (`pipe(filter(...))`) keep this protection: `lift` makes the piped Observable one of these too.
 */
export class IsolatingObservable<T> extends Observable<T> {
  constructor(
    private readonly report: Report,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
  ) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new IsolatingObservable<R>(this.report);
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    // RxJS's deprecated form, `subscribe(next, error, complete)`, still works: its callbacks are isolated too.
    ...callbacks: [error?: ((error: unknown) => void) | null, complete?: (() => void) | null]
  ): Subscription {
    if (isSubscriber(observerOrNext)) return super.subscribe(observerOrNext as Subscriber<T>);
    const [error, complete] = callbacks;
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || (observerOrNext == null && callbacks.length > 0)
        ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
        : (observerOrNext ?? {});
    const report = this.report;
    return super.subscribe({
      next(value) {
        try {
          observer.next?.call(observer, value);
        } catch (error) {
          report('security event subscriber', error);
        }
      },
      error(error: unknown) {
        if (observer.error === undefined) {
          report('security event subscriber (its pipe failed and it has no error callback)', error);
          return;
        }
        try {
          observer.error.call(observer, error);
        } catch (thrown) {
          report('security event subscriber', thrown);
        }
      },
      complete() {
        try {
          observer.complete?.call(observer);
        } catch (error) {
          report('security event subscriber', error);
        }
      },
    });
  }
}
