package dev.kaio

/**
 * Marks declarations that are public only so that Kaio's own Java facade (`dev.kaio.java`) can
 * reach them. They may change in any release; do not call them from application code.
 */
@RequiresOptIn(
    level = RequiresOptIn.Level.ERROR,
    message = "This is an internal Kaio API for the Java facade; it may change without notice.",
)
@Retention(AnnotationRetention.BINARY)
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION, AnnotationTarget.PROPERTY, AnnotationTarget.CONSTRUCTOR)
public annotation class InternalKaioApi
